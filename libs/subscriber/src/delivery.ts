import type { NewEvent, RecordedEvent } from '@bintrail/contracts';
import type { SqlEventStore, SqlExecutor } from '@bintrail/event-store';
import type { Logger } from '@bintrail/observability';
import type { SubscriberContext } from './api';

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
