/** The warehouse service's BusTransport id: its @EventPattern handlers name it, so only its consumer group ('warehouse') runs them. */
export const WAREHOUSE_TRANSPORT = Symbol.for('bintrail.transport.warehouse');
export const WAREHOUSE_GROUP = 'warehouse';
