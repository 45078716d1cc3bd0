import { Module } from '@nestjs/common';
import { ItemsController } from './items/items.controller';
import { LedgerController } from './ledger/ledger.controller';
import { StockController } from './stock/stock.controller';

/** The inventory service: the item master and the big picture of stock (totals per SKU and warehouse, bins holding a SKU) and the stock ledger (as-of answers, bin movements). */
@Module({ controllers: [ItemsController, StockController, LedgerController] })
export class InventoryModule {}
