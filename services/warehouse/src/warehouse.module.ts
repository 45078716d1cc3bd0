import { Module } from '@nestjs/common';
import { BinsController } from './bins/bins.controller';
import { CountingController } from './counting/counting.controller';
import { KnownItems } from './known-items/known-items.projection';
import { LayoutController } from './layout/layout.controller';
import { ReceivingController } from './receiving/receiving.controller';
import { WarehouseCommands } from './warehouse-commands';

/** The warehouse service: warehouses, bins and the physical stock in them (needs the platform's PLATFORM_CONTEXT). */
@Module({
  controllers: [LayoutController, ReceivingController, CountingController, BinsController],
  providers: [WarehouseCommands, KnownItems],
})
export class WarehouseModule {}
