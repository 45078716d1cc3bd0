export * from './stock/warehouse.domain';
