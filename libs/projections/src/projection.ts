import type { RecordedEvent } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type ComponentMigration, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import type { LogConsumers, LogConsumerStatus, RunningLogConsumer } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';

/**
 * A read model built from the global log. Its rows and its checkpoint are written in one
 * transaction, so after a crash it has applied every event exactly once.
 */
export interface Projection {
  /** Names its consumer group (`projection:<name>`) and its migrations. */
  readonly name: string;
  /** Event types it folds; the others only move its checkpoint. */
  readonly types: readonly string[];
  /** Its tables, versioned like every other component's schema. */
  readonly migrations: readonly ComponentMigration[];
  /** Applies one event inside the transaction that also moves the checkpoint. `s` is the quoted schema. */
  apply(event: RecordedEvent, tx: SqlExecutor, s: string): Promise<void>;
}

export interface RunningProjections {
  readonly status: readonly (LogConsumerStatus & { projection: string })[];
  /**
   * Calls `listener` each time a projection has caught up with the log (its checkpoint is current),
   * so that readers waiting for a position need not poll; returns the unsubscribe function.
   */
  onProgress(listener: () => void): () => void;
  stop(): Promise<void>;
}

/** Creates each projection's tables and starts it from its checkpoint. */
export async function startProjections(
  db: SqlDatabase,
  consumers: LogConsumers,
  schema: string,
  projections: readonly Projection[],
  options: { logger?: Logger; wake?: (timeoutMs: number) => Promise<void> } = {},
): Promise<RunningProjections> {
  const running: { projection: string; consumer: RunningLogConsumer }[] = [];
  const listeners = new Set<() => void>();
  const s = quoteIdent(schema);
  for (const projection of projections) {
    await runMigrations(db, schema, `projection:${projection.name}`, projection.migrations);
    const types = new Set(projection.types);
    const consumer = await consumers.start({
      ...options,
      // A consumer goes idle only when it has caught up, its checkpoint already moved: tell the waiting readers.
      wake: (timeoutMs) => {
        for (const listener of listeners) {
          try {
            listener();
          } catch {
            // A reader's bookkeeping never stops a projection.
          }
        }
        return options.wake ? options.wake(timeoutMs) : new Promise((resolve) => setTimeout(resolve, timeoutMs));
      },
      groupId: `projection:${projection.name}`,
      accepts: (type) => types.has(type),
      handle: (event, { tx }) => projection.apply(event, tx, s),
    });
    running.push({ projection: projection.name, consumer });
  }
  return {
    get status() {
      return running.map((r) => ({ projection: r.projection, ...r.consumer.status }));
    },
    onProgress: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async () => {
      await Promise.all(running.map((r) => r.consumer.stop()));
    },
  };
}
