import { categoryOfType, eventTopic, type RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Logger } from '@bintrail/observability';
import type { ConsumerLag, IncomingMessage, MessageBus, RunningConsumer } from '../bus/port';
import { startEventConsumer, type EventConsumerOptions } from '../consumer/event-consumer';
import type { LogConsumers, LogConsumerStatus } from '../log/log-consumer';

/** What a subscriber's handler gets with each event, whichever way the event travelled. */
export interface EventContext {
  /** Write the handler's effects here: they commit with the group's inbox row or checkpoint (exactly once). */
  readonly tx: SqlExecutor | undefined;
  /** Carries the event's correlation id. */
  readonly logger: Logger;
  /** The Kafka message, when the event came through the bus. */
  readonly message?: IncomingMessage;
  /**
   * Offered to groups outside a transaction on the store's log (see LogHandlerContext.defer): hand over the
   * promise of the handler's work, once it has queued its commands, instead of awaiting it; the next event's
   * handler is then called at once. When absent, await the work.
   */
  readonly defer?: (work: Promise<unknown>) => void;
}

export interface EventSubscription {
  /** The consumer group: each group gets every event once; its instances share the work. */
  readonly groupId: string;
  /** Contract event types (`warehouse.StockPicked`) this group handles. */
  readonly types: readonly string[];
  readonly handle: (event: RecordedEvent, context: EventContext) => Promise<void>;
  /**
   * false for handlers that append to the store (run commands): on the store's log they then run outside
   * the consumer's transaction (`tx` undefined) and the checkpoint moves after them — at least once, so
   * their commands must be idempotent. Kafka consumers are unaffected (their inbox transaction is on
   * another connection of a PostgreSQL server, where an append elsewhere does not wait for it).
   */
  readonly transactional?: boolean;
}

export interface RunningSubscription extends RunningConsumer {
  /** Checkpoint, applied/parked counters and what it is stuck on (log source only). */
  readonly status?: LogConsumerStatus;
  /** How far the group is behind on its topics, in events and seconds (Kafka source only). */
  lag?(): Promise<ConsumerLag>;
}

/**
 * Where a service's event handlers get their events from. Distributed: Kafka topics through inbox
 * consumers. Embedded: the event store's global log, each group from its own checkpoint. The
 * handlers are the same code either way.
 */
export interface EventSource {
  subscribe(subscription: EventSubscription): Promise<RunningSubscription>;
}

function categoriesOf(types: readonly string[]): string[] {
  const invalid = types.filter((t) => !categoryOfType(t));
  if (invalid.length > 0) throw new Error(`event types must be '<category>.<EventName>' from libs/contracts; got ${invalid.join(', ')}`);
  return [...new Set(types.map((t) => categoryOfType(t)!))];
}

export type KafkaEventSourceOptions = Pick<EventConsumerOptions, 'bus' | 'inbox' | 'decoder' | 'maxAttempts' | 'backoffMs' | 'logger' | 'fromBeginning'> & {
  readonly bus: MessageBus;
  readonly topicPrefix?: string;
  /** How often a group that is behind says so in the log (default 30 s; 0: never). */
  readonly lagLogIntervalMs?: number;
};

/** A group this many seconds behind is logged as a warning, not as information. */
const LAG_WARN_SECONDS = 60;

/** Distributed: the topics of the types' categories, through the platform consumer (schema check, inbox, retries, dead letters). */
export class KafkaEventSource implements EventSource {
  constructor(private readonly options: KafkaEventSourceOptions) {}

  async subscribe(subscription: EventSubscription): Promise<RunningSubscription> {
    const types = new Set(subscription.types);
    const topics = categoriesOf(subscription.types).map((c) => eventTopic(c, this.options.topicPrefix));
    const prefix = this.options.topicPrefix;
    const busGroupId = prefix ? `${prefix}.${subscription.groupId}` : subscription.groupId;
    const consumer = await startEventConsumer({
      ...this.options,
      groupId: subscription.groupId,
      // Platforms sharing a broker (told apart by their topic prefix) must not share a Kafka group: the group's
      // partitions would be split across both platforms' members, each dropping those of the other's topics.
      // The inbox keeps the plain name: it lives in the platform's own schema.
      busGroupId,
      topics,
      accepts: (type) => types.has(type),
      // The message goes along either way: it tells a handler that events come from Kafka, in no global order.
      handle: (event, context) => subscription.handle(event, subscription.transactional === false ? { ...context, tx: undefined } : context),
    });
    const { bus } = this.options;
    const lag = bus.lag ? () => bus.lag!(busGroupId, topics) : undefined;
    const stopLogging = lag ? this.logLag(subscription.groupId, lag) : () => undefined;
    return {
      ...(lag ? { lag } : {}),
      stop: async () => {
        stopLogging();
        await consumer.stop();
      },
    };
  }

  /** A slow consumer says it is behind (not broken): events and seconds, every interval while it lags. */
  private logLag(groupId: string, lag: () => Promise<ConsumerLag>): () => void {
    const every = this.options.lagLogIntervalMs ?? 30_000;
    if (every <= 0) return () => undefined;
    const logger = this.options.logger;
    const timer = setInterval(() => {
      lag().then(
        (l) => {
          if (l.events === 0) return;
          const level = l.seconds !== null && l.seconds >= LAG_WARN_SECONDS ? 'warn' : 'info';
          logger?.[level]('consumer group is behind', { consumerGroup: groupId, lagEvents: l.events, lagSeconds: l.seconds });
        },
        (error: unknown) => logger?.debug('could not read consumer lag', { consumerGroup: groupId, error }),
      );
    }, every);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** Embedded: the store's global log, read directly; checkpoint and effects commit in one transaction. */
export class LogEventSource implements EventSource {
  constructor(
    private readonly consumers: LogConsumers,
    private readonly options: { logger?: Logger; wake?: (timeoutMs: number) => Promise<void>; maxAttempts?: number } = {},
  ) {}

  async subscribe(subscription: EventSubscription): Promise<RunningSubscription> {
    const types = new Set(subscription.types);
    return this.consumers.start({
      ...this.options,
      groupId: subscription.groupId,
      categories: categoriesOf(subscription.types),
      accepts: (type) => types.has(type),
      ...(subscription.transactional === false ? { transactional: false } : {}),
      handle: (event, context) =>
        subscription.handle(
          event,
          subscription.transactional === false ? { logger: context.logger, tx: undefined, ...(context.defer ? { defer: context.defer } : {}) } : context,
        ),
    });
  }
}
