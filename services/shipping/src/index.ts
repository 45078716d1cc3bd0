export * from './shipping-errors.domain';
export * from './shipments/shipment.domain';
export * from './expected-receipts/expected-receipt.domain';
export * from './transfers/transfer.domain';
export * from './in-transit/in-transit.domain';
export { ShippingModule } from './shipping.module';
export { SHIPPING_TRANSPORT, SHIPPING_GROUP } from './transport';
export { shipmentsProjection } from './shipments/shipments.projection';
export { transfersProjection } from './transfers/transfers.projection';
export { expectedReceiptsProjection } from './expected-receipts/expected-receipts.projection';
export { shippingCatalogProjection } from './catalog/catalog.projection';

import { shippingCatalogProjection } from './catalog/catalog.projection';
import { expectedReceiptsProjection } from './expected-receipts/expected-receipts.projection';
import { shipmentsProjection } from './shipments/shipments.projection';
import { transfersProjection } from './transfers/transfers.projection';
/** Every read model the shipping service needs running. */
export const shippingProjections = [shipmentsProjection, transfersProjection, expectedReceiptsProjection, shippingCatalogProjection];
