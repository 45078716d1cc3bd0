/**
 * Kafka topic and header names: the wire contract ERP integrators and new services code against.
 * One topic per owning service (event category); the key is the stream id, so one stream stays ordered.
 */
export const CATEGORIES = ['inventory', 'warehouse', 'order', 'shipping'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The category part of an event type (`replenishment` in `replenishment.ReorderRaised`). */
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]*$/;

/** True for a name a service may declare as a category of its own (it becomes part of a topic name). */
export function isValidCategory(category: string): boolean {
  return CATEGORY_PATTERN.test(category);
}

export const DEFAULT_TOPIC_PREFIX = 'bintrail';

/** `bintrail.warehouse.events` — every event of the warehouse service, in stream order per key. */
export function eventTopic(category: string, prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.${category}.events`;
}

/** Where a consumer parks a message it cannot process: `<topic>.dlq`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * Where the relay parks an event it cannot route (no topic exists for its category): `bintrail.relay.dlq`.
 * Its messages carry DEAD_LETTER_HEADERS, `dlq-original-topic` naming the topic the event belongs on,
 * so `npm run dlq:replay` can send them there once that topic exists.
 */
export function relayDeadLetterTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.relay.dlq`;
}

/** Headers of a relayed event (the body carries the whole envelope as JSON too). */
export const EVENT_HEADERS = {
  eventId: 'event-id',
  type: 'event-type',
  version: 'event-version',
  streamId: 'stream-id',
  globalPosition: 'global-position',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
} as const;

/** Headers a dead-lettered message gains, naming why and where it failed. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;
