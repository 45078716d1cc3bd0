import { DEAD_LETTER_HEADERS, deadLetterTopic, type NewEvent, type RecordedEvent } from '@bintrail/contracts';
import type { SqlEventStore, SqlExecutor } from '@bintrail/event-store';
import type { IncomingMessage, OutgoingMessage } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import type { SubscriberContext } from './api';

/** A dead letter for an event read from the store: the Kafka consumer's topic and headers, partition and offset -1. */
export function storeDeadLetter(message: IncomingMessage, reason: string, attempts: number, group: string): OutgoingMessage {
  return {
    topic: deadLetterTopic(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 2_000),
      [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: '-1',
      [DEAD_LETTER_HEADERS.originalOffset]: '-1',
      [DEAD_LETTER_HEADERS.consumerGroup]: group,
      [DEAD_LETTER_HEADERS.attempts]: String(attempts),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}

/** What a handler gets: its transaction, a logger with the correlation id, and appends that commit with it. */
export function subscriberContext(store: SqlEventStore, service: string, tx: SqlExecutor, logger: Logger, cause: RecordedEvent): SubscriberContext {
  return {
    tx,
    logger,
    append: async (streamId, events, expectedVersion) => {
      const stamped: NewEvent[] = events.map((e) => ({
        ...e,
        metadata: { correlationId: cause.metadata.correlationId, causationId: cause.eventId, actor: service, source: service, ...e.metadata },
      }));
      const result = await store.appendWith(tx, streamId, stamped, expectedVersion === undefined ? {} : { expectedVersion });
      return result.positions[result.positions.length - 1]?.globalPosition ?? 0;
    },
  };
}
