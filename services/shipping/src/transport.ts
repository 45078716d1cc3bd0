/** The shipping service's BusTransport id: its @EventPattern handlers name it, so only its consumer group ('shipping') runs them. */
export const SHIPPING_TRANSPORT = Symbol.for('bintrail.transport.shipping');
export const SHIPPING_GROUP = 'shipping';
