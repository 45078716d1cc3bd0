/**
 * Kafka topic and header names: the wire contract ERP integrators and new services code against.
 * One topic per owning service (event category); the key is the stream id, so one stream stays ordered.
 */
export const CATEGORIES = ['inventory', 'warehouse', 'order', 'shipping'] as const;
export type Category = (typeof CATEGORIES)[number];

export const DEFAULT_TOPIC_PREFIX = 'bintrail';

/** `bintrail.warehouse.events` — every event of the warehouse service, in stream order per key. */
export function eventTopic(category: string, prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.${category}.events`;
}

/** Where a consumer parks a message it cannot process: `<topic>.dlq`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
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
