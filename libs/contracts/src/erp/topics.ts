import { DEFAULT_TOPIC_PREFIX, deadLetterTopic } from '../topics';

/**
 * Topic names of the ERP integration. Commands and replies are the inbound side (the ERP asks, Bintrail
 * answers); the `.v1` topics are the outbound integration feed, versioned in the name: a change of shape
 * is published on a `.v2` topic next to the old one, never on the same topic.
 */

/** `bintrail.erp.commands`: what an ERP asks Bintrail to do. Key: the ERP's entity id or the idempotency key. */
export function erpCommandTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.erp.commands`;
}

/** `bintrail.erp.replies`: one reply per command, accepted or rejected. Key: the correlation id. */
export function erpReplyTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.erp.replies`;
}

/** `bintrail.erp.commands.dlq`: every command message that could not be read or validated, with the reason in its headers. */
export function erpCommandDeadLetterTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return deadLetterTopic(erpCommandTopic(prefix));
}

/** `bintrail.stock-levels.v1`: stock of one SKU in one warehouse, after it changed. Key: the SKU. */
export function stockLevelsTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.stock-levels.v1`;
}

/** `bintrail.order-status.v1`: an order's status, after it changed. Key: the order id. */
export function orderStatusTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.order-status.v1`;
}

/** `bintrail.shipments.v1`: an outbound shipment dispatched (carrier, tracking number) or delivered. Key: the shipment id. */
export function shipmentsTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.shipments.v1`;
}

/** Every topic of the ERP integration, for creating them at start. */
export function erpTopics(prefix: string = DEFAULT_TOPIC_PREFIX): string[] {
  return [erpCommandTopic(prefix), erpReplyTopic(prefix), erpCommandDeadLetterTopic(prefix), stockLevelsTopic(prefix), orderStatusTopic(prefix), shipmentsTopic(prefix)];
}

/** Kafka headers of the ERP topics. A command may carry its correlation id here instead of (or as well as) in its body. */
export const ERP_HEADERS = {
  correlationId: 'correlation-id',
  /** On replies and integration messages: the message's type (`erp.CommandAccepted`, `StockLevelChanged.v1`…). */
  messageType: 'message-type',
} as const;
