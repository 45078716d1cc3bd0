import { categoryOfType, DEAD_LETTER_HEADERS, relayDeadLetterTopic } from '@bintrail/contracts';
import type { EventStore, SerializedEvent } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { MessageBus, OutgoingMessage } from '../bus/port';
import { encodeSerialized, serializeEvent } from '../wire';
import type { CheckpointStore } from './checkpoints';
import type { LeaderLock } from './leader-lock';

export interface RelayOptions {
  /** Checkpoint name; relays with the same name share one checkpoint and one lock. */
  readonly name?: string;
  readonly topicPrefix?: string;
  readonly batchSize?: number;
  /** Sleep when caught up (the only wait between an append and its publication). */
  readonly idlePollMs?: number;
  /** First pause after a failure (broker or database unavailable); it doubles while the same step keeps failing. */
  readonly retryDelayMs?: number;
  /** The longest pause between two attempts (default 10 s). */
  readonly maxRetryDelayMs?: number;
  /** How often a standby tries to take the lock. */
  readonly standbyPollMs?: number;
  /** Where events whose topic does not exist are parked (default `<prefix>.relay.dlq`, created with the platform topics). */
  readonly deadLetterTopic?: string;
  readonly logger?: Logger;
}

/** What the relay was doing when it failed: taking its lock, reading the log, publishing, or saving its checkpoint. */
export type RelayStage = 'lock' | 'read' | 'publish' | 'checkpoint';

/** The step the relay keeps failing at, so a stall is never silent. */
export interface RelayStuck {
  readonly stage: RelayStage;
  /** The global position it cannot get past (for `publish`, the first event of the batch). */
  readonly globalPosition: number;
  /** For `publish`: the first event of the batch and the topic it belongs on. */
  readonly eventId?: string;
  readonly type?: string;
  readonly topic?: string;
  /** The last failure's message. */
  readonly error: string;
  /** ISO time of the first failure at this step. */
  readonly since: string;
  readonly attempts: number;
}

export interface RelayStatus {
  readonly active: boolean;
  /** Last global position published (the stored checkpoint may trail it by one batch). */
  readonly checkpoint: number;
  /** Events delivered to their topic. */
  readonly published: number;
  /** Events put on the relay's dead-letter topic because their topic does not exist. */
  readonly parked: number;
  /** Undefined while healthy. */
  readonly stuck: RelayStuck | undefined;
}

type Step = Pick<RelayStuck, 'stage' | 'globalPosition' | 'eventId' | 'type' | 'topic'>;

/** From this many failures in a row at one step, each is logged as an error rather than a warning. */
const ALARM_AFTER_ATTEMPTS = 5;

/**
 * Tails the event store's global log from its checkpoint and publishes each event to its
 * category's topic (key = stream id). The checkpoint moves only after the broker acknowledged the
 * batch, so a crash republishes at most two batches (at least once); consumers dedupe by event id.
 *
 * One event never stalls the log: an event whose topic does not exist (a category no running service
 * declared) is parked on the relay's dead-letter topic and the relay goes on. Any other failure pauses
 * the relay, which retries with growing pauses and reports in `status.stuck` what it is stuck on.
 */
export class Relay {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private state: { active: boolean; checkpoint: number; published: number; parked: number; stuck: RelayStuck | undefined } = {
    active: false,
    checkpoint: 0,
    published: 0,
    parked: 0,
    stuck: undefined,
  };
  private step: Step = { stage: 'lock', globalPosition: 1 };
  /** Topics known to exist; undefined when they must be listed again. */
  private knownTopics: ReadonlySet<string> | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly name: string;
  private readonly deadLetterTopic: string;
  private readonly logger: Logger;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly bus: MessageBus,
    private readonly lock: LeaderLock,
    private readonly options: RelayOptions = {},
  ) {
    this.name = options.name ?? 'relay';
    this.deadLetterTopic = options.deadLetterTopic ?? relayDeadLetterTopic(options.topicPrefix);
    this.logger = (options.logger ?? silentLogger).child({ relay: this.name });
  }

  get status(): RelayStatus {
    return { ...this.state, active: this.state.active && this.lock.held };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.loop;
    await this.lock.release();
    this.state.active = false;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        this.at({ stage: 'lock', globalPosition: this.state.checkpoint + 1 });
        const leader = await this.lock.tryAcquire();
        this.passed('lock', Infinity);
        if (!leader) {
          await this.sleep(this.options.standbyPollMs ?? 500);
          continue;
        }
        this.at({ stage: 'read', globalPosition: this.state.checkpoint + 1 });
        this.state.checkpoint = await this.checkpoints.load(this.name);
        if (!this.state.active) this.logger.info('relay active', { checkpoint: this.state.checkpoint });
        this.state.active = true;
        await this.publishWhileLeader();
      } catch (error) {
        await this.pauseAfter(error);
      } finally {
        if (this.state.active && !this.lock.held) this.logger.warn('relay lost its lock; standing by');
        this.state.active = this.lock.held;
      }
    }
  }

  private async publishWhileLeader(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const writer = new CheckpointWriter(this.checkpoints, this.name);
    try {
      while (!this.stopping && this.lock.held) {
        const batch = await this.readBatch(batchSize);
        if (batch.length === 0) {
          await this.settle(writer);
          await this.sleep(this.options.idlePollMs ?? 5);
          continue;
        }
        // The lock may have been lost while reading: publish nothing more (the partition bound of PostgresLeaderLock).
        if (!this.lock.held) break;
        const last = await this.publishBatch(batch);
        await this.settle(writer);
        writer.write(last);
        this.state.checkpoint = last;
      }
      await this.settle(writer);
    } catch (error) {
      // Let the write in flight finish before the relay reloads its checkpoint; this failure is the one to report.
      await writer.settle().catch(() => undefined);
      throw error;
    }
  }

  /** The store's serialised fast path when it has one (PostgreSQL builds the JSON), else readAll + serialise. */
  private async readBatch(maxCount: number): Promise<SerializedEvent[]> {
    const fromGlobalPosition = this.state.checkpoint + 1;
    this.at({ stage: 'read', globalPosition: fromGlobalPosition });
    const options = { fromGlobalPosition, maxCount };
    const batch = this.store.readAllSerialized ? await this.store.readAllSerialized(options) : (await this.store.readAll(options)).map(serializeEvent);
    this.passed('read', fromGlobalPosition);
    return batch;
  }

  /** Each event to its category's topic, or to the relay's dead-letter topic when that topic does not exist. */
  private async publishBatch(batch: readonly SerializedEvent[]): Promise<number> {
    const messages = batch.map((event) => encodeSerialized(event, this.options.topicPrefix));
    const first = batch[0]!;
    this.at({ stage: 'publish', globalPosition: first.globalPosition, eventId: first.eventId, type: first.type, topic: messages[0]!.topic });
    const missing = await this.missingTopics(messages);
    const outgoing = messages.map((message) => (missing.has(message.topic) ? this.parked(message) : message));
    try {
      await this.bus.publish(outgoing);
    } catch (error) {
      this.knownTopics = undefined; // a topic may have been deleted since it was listed: look again next time
      throw error;
    }
    const last = batch[batch.length - 1]!.globalPosition;
    this.passed('publish', last);
    const parked = outgoing.filter((message) => message.topic === this.deadLetterTopic);
    for (const message of parked) this.reportParked(message);
    this.state.parked += parked.length;
    this.state.published += batch.length - parked.length;
    this.logger.debug('published', { count: batch.length, parked: parked.length, checkpoint: last });
    return last;
  }

  /**
   * The batch's topics that do not exist. The topic list is cached; meeting an unknown topic lists them
   * once more (a service may just have created it) before its events are parked.
   */
  private async missingTopics(messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    const wanted = new Set(messages.map((message) => message.topic));
    const unknownIn = (known: ReadonlySet<string>): Set<string> => new Set([...wanted].filter((topic) => !known.has(topic)));
    const cached = this.knownTopics;
    let missing = unknownIn(cached ?? (await this.listTopics()));
    if (missing.size > 0 && cached) missing = unknownIn(await this.listTopics());
    if (missing.size > 0 && !this.knownTopics!.has(this.deadLetterTopic)) {
      throw new Error(`topics ${[...missing].join(', ')} do not exist, and neither does the relay dead-letter topic ${this.deadLetterTopic} to park their events`);
    }
    return missing;
  }

  private async listTopics(): Promise<ReadonlySet<string>> {
    this.knownTopics = new Set(await this.bus.listTopics());
    return this.knownTopics;
  }

  /** The event as a dead letter: same key, value and headers, plus why and where it should have gone (for `npm run dlq:replay`). */
  private parked(message: OutgoingMessage): OutgoingMessage {
    const category = categoryOfType(message.headers['event-type'] ?? '') ?? 'unknown';
    const reason =
      `topic ${message.topic} does not exist: no running service declares the category '${category}'. ` +
      `Declare it (its topics are created at start), then: npm run dlq:replay -- --topic ${this.deadLetterTopic}`;
    return {
      topic: this.deadLetterTopic,
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DEAD_LETTER_HEADERS.reason]: reason,
        [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
        [DEAD_LETTER_HEADERS.attempts]: '0',
        [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
      },
    };
  }

  private reportParked(message: OutgoingMessage): void {
    this.logger.error('event parked', {
      eventId: message.headers['event-id'],
      type: message.headers['event-type'],
      globalPosition: Number(message.headers['global-position']),
      streamId: message.key,
      topic: message.headers[DEAD_LETTER_HEADERS.originalTopic],
      deadLetterTopic: message.topic,
      reason: message.headers[DEAD_LETTER_HEADERS.reason],
    });
  }

  /** Waits for the checkpoint write in flight; its failure surfaces here and pauses the relay. */
  private async settle(writer: CheckpointWriter): Promise<void> {
    const position = writer.position;
    if (position === undefined) return;
    this.at({ stage: 'checkpoint', globalPosition: position });
    await writer.settle();
    this.passed('checkpoint', position);
  }

  /** Records the failure in `status.stuck`, logs it, and sleeps: the pause doubles while the same step keeps failing. */
  private async pauseAfter(error: unknown): Promise<void> {
    const previous = this.state.stuck;
    const again = previous?.stage === this.step.stage && previous.globalPosition === this.step.globalPosition;
    const stuck: RelayStuck = {
      ...this.step,
      error: error instanceof Error ? error.message : String(error),
      since: again ? previous.since : new Date().toISOString(),
      attempts: again ? previous.attempts + 1 : 1,
    };
    this.state.stuck = stuck;
    const base = this.options.retryDelayMs ?? 500;
    const retryInMs = Math.min(base * 2 ** (stuck.attempts - 1), Math.max(base, this.options.maxRetryDelayMs ?? 10_000));
    const level = stuck.attempts >= ALARM_AFTER_ATTEMPTS ? 'error' : 'warn';
    this.logger[level]('relay paused after a failure; retrying', { stuck, retryInMs, error });
    await this.sleep(retryInMs);
  }

  private at(step: Step): void {
    this.step = step;
  }

  /** The step succeeded at `position`: if it is the one the relay was stuck at, it is not any more. */
  private passed(stage: RelayStage, position: number): void {
    const stuck = this.state.stuck;
    if (stuck && stuck.stage === stage && position >= stuck.globalPosition) {
      this.logger.info('relay recovered', { stage, globalPosition: stuck.globalPosition, attempts: stuck.attempts, since: stuck.since });
      this.state.stuck = undefined;
    }
  }

  /** A pause that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

/**
 * The checkpoint write of one batch overlaps the read and publish of the next; at most one is in flight.
 * Its outcome is captured the moment it settles, so a failure can never become an unhandled rejection
 * (which would kill the process) while the relay waits on something else: settle() throws it later.
 */
class CheckpointWriter {
  private inFlight: { position: number; failure: Promise<{ error: unknown } | undefined> } | undefined;

  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly name: string,
  ) {}

  get position(): number | undefined {
    return this.inFlight?.position;
  }

  write(position: number): void {
    const failure = Promise.resolve()
      .then(() => this.checkpoints.save(this.name, position))
      .then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    this.inFlight = { position, failure };
  }

  async settle(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    const failed = await inFlight?.failure;
    if (failed) throw failed.error;
  }
}
