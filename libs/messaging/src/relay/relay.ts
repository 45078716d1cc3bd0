import type { EventStore, SerializedEvent } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { MessageBus } from '../bus/port';
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
  /** Pause after a failure (broker or database unavailable) before trying again. */
  readonly retryDelayMs?: number;
  /** How often a standby tries to take the lock. */
  readonly standbyPollMs?: number;
  readonly logger?: Logger;
}

export interface RelayStatus {
  readonly active: boolean;
  readonly checkpoint: number;
  readonly published: number;
}

/**
 * Tails the event store's global log from its checkpoint and publishes each event to its
 * category's topic (key = stream id). The checkpoint moves only after the broker acknowledged the
 * batch, so a crash republishes at most one batch (at least once); consumers dedupe by event id.
 */
export class Relay {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private state = { active: false, checkpoint: 0, published: 0 };
  private readonly logger: Logger;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly bus: MessageBus,
    private readonly lock: LeaderLock,
    private readonly options: RelayOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ relay: options.name ?? 'relay' });
  }

  get status(): RelayStatus {
    return { ...this.state };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.lock.release();
    this.state.active = false;
  }

  private async run(): Promise<void> {
    const name = this.options.name ?? 'relay';
    while (!this.stopping) {
      try {
        if (!(await this.lock.tryAcquire())) {
          await this.sleep(this.options.standbyPollMs ?? 500);
          continue;
        }
        this.state.checkpoint = await this.checkpoints.load(name);
        if (!this.state.active) this.logger.info('relay active', { checkpoint: this.state.checkpoint });
        this.state.active = true;
        await this.publishWhileLeader(name);
      } catch (error) {
        this.logger.warn('relay paused after a failure; retrying', { error });
        await this.sleep(this.options.retryDelayMs ?? 500);
      } finally {
        if (this.state.active && !this.lock.held) this.logger.warn('relay lost its lock; standing by');
        this.state.active = this.lock.held;
      }
    }
  }

  private async publishWhileLeader(name: string): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    // The checkpoint write of one batch overlaps the read of the next; at most one is in flight, and it
    // must have succeeded before the following one starts (a crash republishes at most two batches).
    let saving: Promise<void> | undefined;
    try {
      while (!this.stopping && this.lock.held) {
        const batch = await this.readBatch(batchSize);
        if (batch.length === 0) {
          await saving;
          saving = undefined;
          await this.sleep(this.options.idlePollMs ?? 5);
          continue;
        }
        await this.bus.publish(batch.map((event) => encodeSerialized(event, this.options.topicPrefix)));
        const last = batch[batch.length - 1]!.globalPosition;
        await saving;
        saving = this.checkpoints.save(name, last);
        this.state.checkpoint = last;
        this.state.published += batch.length;
        this.logger.debug('published', { count: batch.length, checkpoint: last });
      }
    } finally {
      await saving;
    }
  }

  /** The store's serialised fast path when it has one (PostgreSQL builds the JSON), else readAll + serialise. */
  private async readBatch(maxCount: number): Promise<SerializedEvent[]> {
    const options = { fromGlobalPosition: this.state.checkpoint + 1, maxCount };
    if (this.store.readAllSerialized) return this.store.readAllSerialized(options);
    return (await this.store.readAll(options)).map(serializeEvent);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
