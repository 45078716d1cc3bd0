import { DEAD_LETTER_HEADERS, EVENT_HEADERS, eventTopic, type RecordedEvent } from '@bintrail/contracts';
import type { SqlEventStore, SqlExecutor } from '@bintrail/event-store';
import {
  backoffDelay,
  deadLetterMessage,
  encodeEvent,
  sleep,
  startEventConsumer,
  type EventDecoder,
  type IncomingMessage,
  type Inbox,
  type LeaderLock,
  type MessageBus,
  type RunningConsumer,
} from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import type { RunningSubscription, SubscriberContext, SubscriberStatus, Subscription } from './api';
import { subscriberContext } from './delivery';
import type { GroupCheckpoint, GroupCheckpoints } from './group-checkpoints';
import { HandoverDecoder, REPLAYED_HEADER, type DataErrors } from './handover-decoder';
import type { KafkaOffsets } from './kafka-offsets';
import type { StoreQueries } from './store-queries';
import type { SubscriptionPlan } from './subscription.domain';

export interface RunnerDeps {
  readonly store: SqlEventStore;
  readonly inbox: Inbox;
  readonly checkpoints: GroupCheckpoints;
  readonly queries: StoreQueries;
  readonly bus: MessageBus;
  readonly offsets: KafkaOffsets;
  /** Checks an event's data (the contract's schemas, for the group's own types). */
  readonly dataErrors: DataErrors;
  readonly topicPrefix: string | undefined;
  readonly service: string;
  readonly logger: Logger;
  readonly handoverMarginMs: number;
  readonly lagPollMs: number;
  readonly statusLogIntervalMs: number;
  /** One instance of a group catches up at a time: the others wait, then find it live and join it on Kafka. */
  readonly catchUpLock: (group: string) => LeaderLock;
}

/** "Close to the head": what is left to read was recorded within this long (well inside any Kafka retention). */
const NEAR_HEAD_MS = 60_000;

/** How often an instance waiting for another one's catch-up asks for the lock again. */
const CATCH_UP_LOCK_POLL_MS = 1_000;

const defaultBackoff = (attempt: number): number => backoffDelay(attempt);

/**
 * One subscription's life: catch up from the event store's global log (gap-free for readers) up to its
 * head H, checkpoint in the handler's transaction; then hand over to the Kafka topics, read from a little
 * before the moment H was read, dropping what is at or below H; the inbox absorbs every other redelivery.
 */
export class SubscriptionRunner implements RunningSubscription {
  private phase: 'catching-up' | 'live';
  private position: number;
  private handoverPosition: number;
  private handoverAt: Date | undefined;
  private handled = 0;
  private deadLettered = 0;
  private lag = { events: 0, seconds: 0 };
  private stopping = false;
  private waiting = false;
  private wakeUp: (() => void) | undefined;
  private consumer: RunningConsumer | undefined;
  private loop: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logger: Logger;
  private readonly busGroup: string;
  private readonly topics: string[];
  private readonly decoder: EventDecoder;

  constructor(
    private readonly plan: SubscriptionPlan,
    private readonly subscription: Subscription<string>,
    private readonly deps: RunnerDeps,
    checkpoint: GroupCheckpoint,
  ) {
    this.phase = checkpoint.phase;
    this.position = checkpoint.position;
    this.handoverPosition = checkpoint.handoverPosition ?? 0;
    this.handoverAt = checkpoint.handoverAt;
    this.logger = deps.logger.child({ subscriberGroup: plan.group });
    this.busGroup = `${deps.topicPrefix ?? 'bintrail'}.${plan.group}`;
    this.topics = plan.categories.map((category) => eventTopic(category, deps.topicPrefix));
    this.decoder = new HandoverDecoder(deps.dataErrors, (message) => this.handledBefore(message));
  }

  /** A Kafka message the store catch-up dealt with already (the dead-letter replay's messages excepted). */
  private handledBefore(message: IncomingMessage): boolean {
    const position = Number(message.headers[EVENT_HEADERS.globalPosition]);
    return Number.isInteger(position) && position <= this.handoverPosition && !message.headers[REPLAYED_HEADER];
  }

  status(): SubscriberStatus {
    return {
      group: this.plan.group,
      phase: this.phase,
      position: this.position,
      lagEvents: this.lag.events,
      lagSeconds: Math.round(this.lag.seconds * 10) / 10,
      handled: this.handled,
      deadLettered: this.deadLettered,
    };
  }

  start(): void {
    this.loop ??= this.run();
    this.timers.push(setInterval(() => void this.measureLag(), this.deps.lagPollMs));
    if (this.deps.statusLogIntervalMs > 0) {
      this.timers.push(
        setInterval(() => {
          if (this.lag.events > 0) this.logger.info('subscriber behind', { ...this.status() });
        }, this.deps.statusLogIntervalMs),
      );
    }
    void this.measureLag();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.wakeUp?.();
    await this.loop;
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopping; ) {
      try {
        if (this.phase === 'catching-up') await this.catchUpAlone();
        else {
          await this.goLive();
          return;
        }
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.warn('subscriber paused after a failure; retrying', { error, attempt: failures, phase: this.phase });
        await this.pause(backoffDelay(failures));
      }
    }
  }

  /** Catches up holding the group's lock; another instance that held it may have handed over meanwhile. */
  private async catchUpAlone(): Promise<void> {
    const lock = this.deps.catchUpLock(this.plan.group);
    try {
      if (!(await lock.tryAcquire())) {
        if (!this.waiting) this.logger.info('another instance of this group is catching up; waiting for it');
        this.waiting = true;
        await this.pause(CATCH_UP_LOCK_POLL_MS);
        return;
      }
      this.waiting = false;
      const row = await this.deps.checkpoints.load(this.plan.group);
      if (row) {
        this.phase = row.phase;
        this.position = row.position;
        this.handoverPosition = row.handoverPosition ?? 0;
        this.handoverAt = row.handoverAt;
      }
      if (this.phase === 'catching-up') await this.catchUp(lock);
    } finally {
      await lock.release();
    }
  }

  /** Reads the store's log from the checkpoint; hands over to Kafka once a read comes back short (the head). */
  private async catchUp(lock: LeaderLock): Promise<void> {
    const batchSize = this.subscription.batchSize ?? 200;
    this.logger.info('catching up from the event store', { position: this.position, categories: this.plan.categories });
    while (!this.stopping) {
      if (!lock.held) throw new Error(`lost the catch-up lock of group ${this.plan.group}`);
      // Taken before the read: every event after what it returns becomes visible, hence is relayed, after this.
      const readAt = new Date();
      const batch = await this.deps.store.readAll({ fromGlobalPosition: this.position + 1, maxCount: batchSize, categories: this.plan.categories });
      for (const event of batch) {
        if (this.stopping) break;
        if (this.plan.types.has(event.type)) await this.deliverFromStore(event);
        this.position = event.globalPosition;
      }
      // Passed-over events (other types) move the checkpoint once a batch; re-reading them after a crash is harmless.
      await this.deps.checkpoints.advance(this.deps.checkpoints.db, this.plan.group, this.position);
      if (this.stopping) return;
      if (batch.length < batchSize) {
        await this.handOver(this.position, readAt);
        return;
      }
      // Appends that never pause would keep every read full: hand over once close to the head, when Kafka
      // surely still holds what is left (recorded a moment ago), and read it from before the oldest of it.
      const behind = await this.deps.queries.lag(this.plan.categories, [...this.plan.types], this.position, batchSize);
      if (behind.events < batchSize && behind.seconds * 1000 < NEAR_HEAD_MS) {
        await this.handOver(this.position, new Date(Math.min(readAt.getTime(), Date.now() - behind.seconds * 1000)));
        return;
      }
    }
  }

  /**
   * `since`: no event after `position` can have reached Kafka before it (each one was either not yet
   * visible when the store was read, or recorded at or after it; the relay publishes after both).
   */
  private async handOver(position: number, since: Date): Promise<void> {
    const from = new Date(since.getTime() - this.deps.handoverMarginMs);
    await this.deps.checkpoints.handOver(this.plan.group, position, since);
    for (const topic of this.topics) {
      // Places the group even if it had offsets: after a re-catch-up they point before a retention gap.
      await this.deps.offsets
        .placeAt(this.busGroup, topic, from)
        .catch((error: unknown) => this.logger.warn('could not place the kafka group (another instance of the group is running?); its committed offsets stay', { error, topic }));
    }
    this.phase = 'live';
    this.handoverPosition = position;
    this.handoverAt = since;
    this.logger.info('handed over from the event store to kafka', { handoverPosition: position, kafkaFrom: from.toISOString(), topics: this.topics });
  }

  /** Joins the Kafka group; first checks that retention has not deleted what the group has yet to read. */
  private async goLive(): Promise<void> {
    for (const topic of this.topics) {
      const { committed, low } = await this.deps.offsets.positions(this.busGroup, topic);
      const lost = [...committed].filter(([partition, offset]) => offset < (low.get(partition) ?? 0n));
      if (lost.length > 0) {
        this.logger.error('kafka retention deleted messages this group had not read: catching up from the event store again', {
          topic,
          partitions: lost.map(([p]) => p),
          from: this.handoverPosition,
        });
        await this.deps.checkpoints.catchUpAgain(this.plan.group, this.handoverPosition);
        this.phase = 'catching-up';
        this.position = this.handoverPosition;
        throw new Error(`kafka retention gap on ${topic}`);
      }
      const unplaced = new Set([...low.keys()].filter((p) => !committed.has(p)));
      // A crash between the handover and the group's first commit: place those partitions again.
      if (unplaced.size > 0 && this.handoverAt) {
        await this.deps.offsets.placeAt(this.busGroup, topic, new Date(this.handoverAt.getTime() - this.deps.handoverMarginMs), unplaced).catch(() => undefined);
      }
    }
    if (this.stopping) return;
    this.consumer = await startEventConsumer({
      bus: this.countingDeadLetters(this.deps.bus),
      groupId: this.plan.group,
      busGroupId: this.busGroup,
      topics: this.topics,
      inbox: this.deps.inbox,
      decoder: this.decoder,
      accepts: (type) => this.plan.types.has(type),
      maxAttempts: this.plan.maxAttempts,
      backoffMs: this.subscription.backoffMs ?? defaultBackoff,
      logger: this.deps.logger,
      fromBeginning: true,
      handle: async (event, { tx, message, logger }) => {
        if (this.handledBefore(message)) return;
        await this.subscription.handle(event, this.context(tx!, logger, event));
        await this.deps.checkpoints.advance(tx!, this.plan.group, event.globalPosition);
        this.position = Math.max(this.position, event.globalPosition);
        this.handled += 1;
      },
    });
    if (this.stopping) {
      await this.consumer.stop();
      this.consumer = undefined;
    }
    this.logger.info('subscriber live on kafka', { kafkaGroup: this.busGroup, topics: this.topics, handoverPosition: this.handoverPosition });
  }

  /** One historic event: validated like a Kafka message, handled once (inbox + checkpoint in its transaction), retried, dead-lettered. */
  private async deliverFromStore(event: RecordedEvent): Promise<void> {
    const message: IncomingMessage = { ...encodeEvent(event, this.deps.topicPrefix), partition: -1, offset: '-1' };
    let decoded: RecordedEvent;
    try {
      decoded = this.decoder.decode(message);
    } catch (error) {
      await this.deadLetter(message, `invalid message: ${(error as Error).message}`, 0);
      return;
    }
    const logger = this.deps.logger.child({ subscriberGroup: this.plan.group, correlationId: event.metadata.correlationId, eventId: event.eventId, type: event.type });
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.deps.inbox.processOnce(this.plan.group, event.eventId, async (tx) => {
          await this.subscription.handle(decoded, this.context(tx, logger, decoded));
          await this.deps.checkpoints.advance(tx, this.plan.group, event.globalPosition);
        });
        if (outcome === 'processed') this.handled += 1;
        return;
      } catch (error) {
        if (attempt >= this.plan.maxAttempts) {
          await this.deadLetter(message, `handler failed after ${attempt} attempts: ${(error as Error).message}`, attempt);
          return;
        }
        logger.warn('handler failed; retrying', { attempt, error });
        await this.pause((this.subscription.backoffMs ?? defaultBackoff)(attempt));
        if (this.stopping) throw error;
      }
    }
  }

  private async deadLetter(message: IncomingMessage, reason: string, attempts: number): Promise<void> {
    this.logger.error('event dead-lettered', { eventId: message.headers[EVENT_HEADERS.eventId], reason });
    await this.deps.bus.publish([deadLetterMessage(message, { reason, group: this.plan.group, attempts })]);
    this.deadLettered += 1;
  }

  private context(tx: SqlExecutor, logger: Logger, cause: RecordedEvent): SubscriberContext {
    return subscriberContext(this.deps.store, this.deps.service, tx, logger, cause);
  }

  /** The bus as the Kafka consumer sees it, counting this group's dead letters on the way. */
  private countingDeadLetters(bus: MessageBus): MessageBus {
    return {
      createTopics: (specs) => bus.createTopics(specs),
      listTopics: () => bus.listTopics(),
      consume: (options) => bus.consume(options),
      close: () => bus.close(),
      publish: async (messages) => {
        await bus.publish(messages);
        this.deadLettered += messages.filter((m) => m.headers[DEAD_LETTER_HEADERS.consumerGroup] === this.plan.group).length;
      },
    };
  }

  private async measureLag(): Promise<void> {
    try {
      this.lag = await this.deps.queries.lag(this.plan.categories, [...this.plan.types], this.position);
    } catch (error) {
      this.logger.debug('could not measure lag', { error });
    }
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
  }
}
