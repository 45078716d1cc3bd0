import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { IncomingMessage, MessageBus, RunningConsumer } from '../bus/port';
import { EventDecoder } from '../wire';
import { deadLetterMessage } from './dead-letter';
import type { Inbox } from './inbox';

export interface HandlerContext {
  /** The inbox transaction: write the handler's effects here so they commit with the inbox row. */
  readonly tx: SqlExecutor | undefined;
  readonly message: IncomingMessage;
  /** Carries the event's correlation id. */
  readonly logger: Logger;
}

export interface EventConsumerOptions {
  readonly bus: MessageBus;
  /** The consumer's group: its inbox rows, logs and dead-letter headers name it. */
  readonly groupId: string;
  /** The group it joins on the bus, when that differs from groupId (a topic prefix keeps platforms on one broker apart). */
  readonly busGroupId?: string;
  readonly topics: readonly string[];
  readonly handle: (event: RecordedEvent, context: HandlerContext) => Promise<void>;
  /** Event types this consumer handles; others on its topics are skipped. Default: all. */
  readonly accepts?: (type: string) => boolean;
  readonly inbox?: Inbox;
  readonly decoder?: EventDecoder;
  /** Attempts before a failing message goes to the dead-letter topic (default 5). */
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
  readonly logger?: Logger;
  readonly fromBeginning?: boolean;
}

const defaultBackoff = (attempt: number): number => Math.min(100 * 2 ** (attempt - 1), 5_000);

/**
 * A consumer the platform can trust: validates each message against the event contract, runs the
 * handler once per event id (inbox), retries a failing handler with backoff, and after the last
 * attempt parks the message in `<topic>.dlq` with the reason and carries on with the next one.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<RunningConsumer> {
  const decoder = options.decoder ?? new EventDecoder();
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoffMs ?? defaultBackoff;
  const baseLogger = (options.logger ?? silentLogger).child({ consumerGroup: options.groupId });

  const deadLetter = async (message: IncomingMessage, reason: string, attempts: number): Promise<void> => {
    baseLogger.error('message dead-lettered', { topic: message.topic, partition: message.partition, offset: message.offset, reason });
    // If this publish fails the bus redelivers the message: nothing is lost.
    await options.bus.publish([deadLetterMessage(message, { reason, group: options.groupId, attempts })]);
  };

  return options.bus.consume({
    groupId: options.busGroupId ?? options.groupId,
    topics: options.topics,
    ...(options.fromBeginning !== undefined ? { fromBeginning: options.fromBeginning } : {}),
    handler: async (message) => {
      let event: RecordedEvent;
      try {
        event = decoder.decode(message);
      } catch (error) {
        // Invalid input never becomes valid by retrying: straight to the dead-letter topic.
        await deadLetter(message, `invalid message: ${(error as Error).message}`, 0);
        return;
      }
      if (options.accepts && !options.accepts(event.type)) return;
      const logger = baseLogger.child({ correlationId: event.metadata.correlationId, eventId: event.eventId, type: event.type });

      for (let attempt = 1; ; attempt++) {
        try {
          if (options.inbox) {
            const outcome = await options.inbox.processOnce(options.groupId, event.eventId, (tx) => options.handle(event, { tx, message, logger }));
            if (outcome === 'duplicate') logger.debug('duplicate delivery ignored');
          } else {
            await options.handle(event, { tx: undefined, message, logger });
          }
          return;
        } catch (error) {
          if (attempt >= maxAttempts) {
            await deadLetter(message, `handler failed after ${attempt} attempts: ${(error as Error).message}`, attempt);
            return;
          }
          logger.warn('handler failed; retrying', { attempt, error });
          await new Promise((r) => setTimeout(r, backoff(attempt)));
        }
      }
    },
  });
}
