import { Module } from '@nestjs/common';
import { ItemsController } from './items/items.controller';

/** The inventory service: the item master (and, as the product grows, the big picture of stock). */
@Module({ controllers: [ItemsController] })
export class InventoryModule {}
