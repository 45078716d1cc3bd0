/** The order service's BusTransport id: its @EventPattern handlers name it, so only its consumer group ('order') runs them. */
export const ORDER_TRANSPORT = Symbol.for('bintrail.transport.order');
export const ORDER_GROUP = 'order';
