export * from './shipping-errors.domain';
export * from './shipments/shipment.domain';
export * from './expected-receipts/expected-receipt.domain';
export * from './transfers/transfer.domain';
export * from './in-transit/in-transit.domain';
export { ShippingModule } from './shipping.module';
export { SHIPPING_TRANSPORT, SHIPPING_GROUP } from './transport';
export { shipmentsProjection } from './shipments/shipments.projection';

import { shipmentsProjection } from './shipments/shipments.projection';
/** Every read model the shipping service needs running. */
export const shippingProjections = [shipmentsProjection];
