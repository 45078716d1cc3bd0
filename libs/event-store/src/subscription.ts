import type { RecordedEvent } from '@bintrail/contracts';
import type { EventHandler, ReadAllOptions, SubscribeOptions, Subscription } from './port';

/** Wakes sleeping subscriptions of this process as soon as it appends, instead of waiting for the next poll. */
export class AppendSignal {
  private waiters = new Set<() => void>();
  private count = 0;

  /** Times `notify` was called: each call follows appends that are committed (see `EventStore.appendsNotified`). */
  get notified(): number {
    return this.count;
  }

  notify(): void {
    this.count += 1;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }
}

export interface PollingOptions {
  /** How long an idle subscription sleeps before asking the log again (other processes' appends). */
  readonly idlePollMs?: number;
}

type ReadAfter = (checkpoint: number, maxCount: number, categories?: readonly string[]) => Promise<RecordedEvent[]>;

/** A subscription's read step for adapters whose global positions can be resumed at checkpoint + 1. */
export function readAfterCheckpoint(readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>): ReadAfter {
  return (checkpoint, maxCount, categories) => readAll({ fromGlobalPosition: checkpoint + 1, maxCount, ...(categories ? { categories } : {}) });
}

/**
 * Catch-up subscription over any `readAll`: reads batches after the checkpoint, hands each event
 * to the handler in global order, and sleeps when caught up. Works for every adapter whose
 * `readAll` honours the "never return an event while an earlier one can still appear" rule.
 */
export function pollingSubscription(
  readAfter: ReadAfter,
  signal: AppendSignal,
  options: SubscribeOptions & PollingOptions,
  handler: EventHandler,
): Subscription {
  let checkpoint = options.fromCheckpoint ?? 0;
  let stopping = false;
  const batchSize = options.batchSize ?? 500;
  const idlePollMs = options.idlePollMs ?? 25;

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const batch = await readAfter(checkpoint, batchSize, options.categories);
      for (const event of batch) {
        if (stopping) return;
        await handler(event);
        checkpoint = event.globalPosition;
      }
      if (batch.length < batchSize && !stopping) await signal.wait(idlePollMs);
    }
  };

  const done = loop();
  // A rejected `done` that nobody awaits must not crash the process; callers observe it via `done`.
  done.catch(() => undefined);
  return {
    get checkpoint() {
      return checkpoint;
    },
    done,
    async stop() {
      stopping = true;
      signal.notify();
      await done.catch(() => undefined);
    },
  };
}
