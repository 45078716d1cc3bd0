import type { EventStore } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { MessageBus } from '../bus/port';
import { encodeEvent } from '../wire';
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
        this.state.active = true;
        this.logger.info('relay active', { checkpoint: this.state.checkpoint });
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
    while (!this.stopping && this.lock.held) {
      const batch = await this.store.readAll({ fromGlobalPosition: this.state.checkpoint + 1, maxCount: batchSize });
      if (batch.length === 0) {
        await this.sleep(this.options.idlePollMs ?? 5);
        continue;
      }
      await this.bus.publish(batch.map((event) => encodeEvent(event, this.options.topicPrefix)));
      const last = batch[batch.length - 1]!.globalPosition;
      await this.checkpoints.save(name, last);
      this.state.checkpoint = last;
      this.state.published += batch.length;
      this.logger.debug('published', { count: batch.length, checkpoint: last });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
