import { Module } from '@nestjs/common';
import { ItemsController } from './items/items.controller';
import { StockController } from './stock/stock.controller';

/** The inventory service: the item master and the big picture of stock (totals per SKU and warehouse, bins holding a SKU). */
@Module({ controllers: [ItemsController, StockController] })
export class InventoryModule {}
