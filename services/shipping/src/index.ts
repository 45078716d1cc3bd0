export * from './shipping-errors.domain';
export * from './shipments/shipment.domain';
export * from './expected-receipts/expected-receipt.domain';
export * from './transfers/transfer.domain';
export * from './in-transit/in-transit.domain';
