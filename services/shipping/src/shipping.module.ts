import { Module } from '@nestjs/common';
import { ShippingCatalog } from './catalog/catalog.projection';
import { ExpectedReceiptsController } from './expected-receipts/expected-receipts.controller';
import { ShippingReactionsHandler } from './reactions/shipping-reactions.handler';
import { ShipmentsController } from './shipments/shipments.controller';
import { ShippingCommands } from './shipping-commands';
import { TransfersController } from './transfers/transfers.controller';

/**
 * The shipping service: shipments, expected receipts and transfers over HTTP (needs the platform's
 * PLATFORM_CONTEXT), and its side of the choreography: handlers on SHIPPING_TRANSPORT (consumer group 'shipping').
 */
@Module({
  controllers: [ShipmentsController, ExpectedReceiptsController, TransfersController, ShippingReactionsHandler],
  providers: [ShippingCommands, ShippingCatalog],
})
export class ShippingModule {}
