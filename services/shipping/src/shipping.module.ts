import { Module } from '@nestjs/common';
import { ExpectedReceiptsController } from './expected-receipts/expected-receipts.controller';
import { ShippingReactionsHandler } from './reactions/shipping-reactions.handler';
import { ShipmentsController } from './shipments/shipments.controller';
import { ShippingCommands } from './shipping-commands';

/**
 * The shipping service: shipments and expected receipts over HTTP (needs the platform's PLATFORM_CONTEXT),
 * and its side of the choreography: handlers on SHIPPING_TRANSPORT (consumer group 'shipping').
 */
@Module({
  controllers: [ShipmentsController, ExpectedReceiptsController, ShippingReactionsHandler],
  providers: [ShippingCommands],
})
export class ShippingModule {}
