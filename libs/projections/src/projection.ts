import type { RecordedEvent } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type ComponentMigration, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import type { LogConsumers, LogConsumerStatus, RunningLogConsumer } from '@bintrail/messaging';
import { silentLogger, type Logger } from '@bintrail/observability';
import { RebuildInProgress, rebuildProjection, storedRebuilds, type RebuildOptions, type RebuildProgress, type RebuildResult, type RebuildSource } from './rebuild';
import { groupOf, liveCheckpoint, migrateProjectionBookkeeping, recordVersion, storedVersion, tablesOf } from './versions';

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
  /**
   * What its rows mean (default 1). Raise it when `apply` or the tables change in a way old rows cannot
   * follow: the runner then rebuilds it from the log in shadow tables while the old version keeps serving,
   * and switches over in one transaction.
   */
  readonly version?: number;
  /** Applies one event inside the transaction that also moves the checkpoint. `s` is the quoted schema. */
  apply(event: RecordedEvent, tx: SqlExecutor, s: string): Promise<void>;
  /**
   * Optional: applies several events of its `types` (in log order) in one go, with the same result as `apply`
   * on each in turn, idempotent the same way. A rebuild and the live consumer fold their batches with it
   * (set-based SQL instead of statements per event); when it throws, the batch is rolled back and applied
   * event by event, parking what fails.
   *
   * `memo`, given by a rebuild only: a map the projection may keep state in from one batch to the next (e.g.
   * the balances its earlier batches left), valid because the rebuild alone writes its shadow tables, in log
   * order. The rebuild clears it whenever a transaction it was used in did not commit.
   */
  applyBatch?(events: readonly RecordedEvent[], tx: SqlExecutor, s: string, memo?: Map<string, unknown>): Promise<void>;
}

/** One projection as an operator sees it (`GET /projections`). */
export interface ProjectionState {
  readonly projection: string;
  /** The version serving now (stored), and the one in the code. */
  readonly version: number;
  readonly codeVersion: number;
  readonly checkpoint: number;
  readonly lag: { readonly events: number; readonly seconds: number };
  /** When the serving version last switched in (absent until a first rebuild or version record). */
  readonly switchedAt?: string;
  readonly rebuild?: RebuildProgress & { readonly owner: string; readonly startedAt: string; readonly heartbeatAt: string };
}

export interface RunningProjections {
  readonly status: readonly (LogConsumerStatus & { projection: string })[];
  /**
   * Calls `listener` each time a projection has caught up with the log (its checkpoint is current),
   * so that readers waiting for a position need not poll; returns the unsubscribe function.
   */
  onProgress(listener: () => void): () => void;
  /** Rebuilds one projection blue/green (it keeps serving and consuming meanwhile); resolves once switched. */
  rebuild(name: string, options?: RebuildOptions): Promise<RebuildResult>;
  /** Version, checkpoint, lag (events and seconds) and any rebuild under way, of every projection. */
  describe(): Promise<ProjectionState[]>;
  /** Rebuilds started at start because a projection's version went up (resolve when all have switched). */
  readonly pendingRebuilds: Promise<void>;
  stop(): Promise<void>;
}

export interface StartProjectionsOptions {
  readonly logger?: Logger;
  readonly wake?: (timeoutMs: number) => Promise<void>;
  /** Where rebuilds read the log from (the store itself; default: the consumers' log reader). */
  readonly source?: RebuildSource;
  /** When a projection's version went up: rebuild it while the old version serves (default), or before starting. */
  readonly changedVersions?: 'rebuild-in-background' | 'rebuild-before-start';
  readonly rebuild?: Omit<RebuildOptions, 'version' | 'signal'>;
}

/** Creates each projection's tables and starts it from its checkpoint; a projection whose version went up is rebuilt. */
export async function startProjections(
  db: SqlDatabase,
  consumers: LogConsumers,
  schema: string,
  projections: readonly Projection[],
  options: StartProjectionsOptions = {},
): Promise<RunningProjections> {
  const logger = options.logger ?? silentLogger;
  const running = new Map<string, RunningLogConsumer>();
  const listeners = new Set<() => void>();
  const s = quoteIdent(schema);
  const source: RebuildSource = options.source ?? {
    db,
    readAll: (o = {}) => consumers.reader.read({ fromGlobalPosition: o.fromGlobalPosition ?? 1, maxCount: o.maxCount ?? 1_000 }),
    headPosition: async () => Number((await db.query<{ p: string }>(`SELECT coalesce(max(global_position), 0) AS p FROM ${s}.events`)).rows[0]!.p),
  };
  const stopping = new AbortController();
  const progress = new Map<string, RebuildProgress>();
  /** Checkpoints of old versions that serve, not consuming, while their successor is built. */
  const frozen = new Map<string, number>();
  await migrateProjectionBookkeeping(db, schema);

  const startConsumer = async (projection: Projection): Promise<void> => {
    const types = new Set(projection.types);
    const consumer = await consumers.start({
      ...(options.logger ? { logger: options.logger } : {}),
      // Caught up, its checkpoint already moved: tell the waiting readers.
      onCaughtUp: () => {
        for (const listener of listeners) {
          try {
            listener();
          } catch {
            // A reader's bookkeeping never stops a projection.
          }
        }
      },
      ...(options.wake ? { wake: options.wake } : {}),
      groupId: groupOf(projection.name),
      accepts: (type) => types.has(type),
      handle: (event, { tx }) => projection.apply(event, tx, s),
      // Live batches folded set-based too, as a rebuild folds them (a failing batch goes event by event, parking the culprit).
      ...(projection.applyBatch ? { handleBatch: (events: readonly RecordedEvent[], { tx }: { tx: SqlExecutor }) => projection.applyBatch!(events, tx, s) } : {}),
    });
    running.set(projection.name, consumer);
  };

  const rebuild = async (projection: Projection, rebuildOptions: RebuildOptions = {}): Promise<RebuildResult> => {
    const signal = rebuildOptions.signal ? AbortSignal.any([rebuildOptions.signal, stopping.signal]) : stopping.signal;
    try {
      return await rebuildProjection(source, schema, projection, {
        logger,
        ...options.rebuild,
        ...rebuildOptions,
        signal,
        onProgress: (p) => {
          progress.set(projection.name, p);
          rebuildOptions.onProgress?.(p);
        },
      });
    } catch (error) {
      if (!stopping.signal.aborted) logger.error('projection rebuild failed; the old version goes on serving', { projection: projection.name, error });
      throw error;
    } finally {
      progress.delete(projection.name);
    }
  };

  /** The old version keeps answering (its consumer waits: new code may not fit old tables); the new one starts once switched. */
  const upgrade = async (projection: Projection, codeVersion: number): Promise<void> => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      if (((await storedVersion(db, schema, projection.name))?.version ?? 1) >= codeVersion) break; // another runner did it
      try {
        await rebuild(projection, { version: codeVersion });
        break;
      } catch (error) {
        if (stopping.signal.aborted) return;
        if (!(error instanceof RebuildInProgress)) logger.error('rebuild of a changed projection failed; retrying', { projection: projection.name, error, attempt });
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 10_000)));
      }
    }
    if (!stopping.signal.aborted) await startConsumer(projection);
  };

  const upgrades: Promise<void>[] = [];
  for (const projection of projections) {
    const codeVersion = projection.version ?? 1;
    const stored = await storedVersion(db, schema, projection.name);
    // Deployed before versions were recorded: it was version 1.
    const servingVersion = stored?.version ?? ((await liveCheckpoint(db, schema, projection.name)) !== undefined ? 1 : codeVersion);
    if (servingVersion < codeVersion) {
      frozen.set(projection.name, (await liveCheckpoint(db, schema, projection.name)) ?? 0);
      logger.info(`projection ${projection.name}: version ${servingVersion} serves while version ${codeVersion} is rebuilt`);
      const upgrade$ = upgrade(projection, codeVersion);
      if (options.changedVersions === 'rebuild-before-start') await upgrade$;
      else upgrades.push(upgrade$);
      continue;
    }
    const before = new Set(await tablesOf(db, schema));
    await runMigrations(db, schema, groupOf(projection.name), projection.migrations);
    const created = (await tablesOf(db, schema)).filter((t) => !before.has(t));
    await recordVersion(db, schema, projection.name, servingVersion, [...new Set([...(stored?.tables ?? []), ...created])]);
    await startConsumer(projection);
  }
  const pendingRebuilds = Promise.all(upgrades).then(() => undefined);

  const byName = new Map(projections.map((p) => [p.name, p]));
  return {
    get status() {
      return projections.map((p) => {
        const consumer = running.get(p.name);
        if (consumer) return { projection: p.name, ...consumer.status };
        // Waiting for its rebuild: the old version's checkpoint, frozen.
        return { projection: p.name, groupId: groupOf(p.name), checkpoint: frozen.get(p.name) ?? 0, applied: 0, parked: 0, stuck: undefined };
      });
    },
    onProgress: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    rebuild: (name, rebuildOptions) => {
      const projection = byName.get(name);
      if (!projection) return Promise.reject(new UnknownProjection(name));
      return rebuild(projection, rebuildOptions);
    },
    describe: () => describeProjections(source, schema, projections, progress),
    pendingRebuilds,
    stop: async () => {
      stopping.abort(new Error('projections stopping'));
      await pendingRebuilds;
      await Promise.all([...running.values()].map((consumer) => consumer.stop()));
    },
  };
}

export class UnknownProjection extends Error {
  constructor(readonly projection: string) {
    super(`no projection is named ${projection}`);
  }
}

/** Reads every projection's state from the database, so it also shows a rebuild run by another process (the CLI). */
export async function describeProjections(
  source: RebuildSource,
  schema: string,
  projections: readonly Projection[],
  local: ReadonlyMap<string, RebuildProgress> = new Map(),
): Promise<ProjectionState[]> {
  const head = await source.headPosition();
  const rebuilds = await storedRebuilds(source.db, schema);
  const states: ProjectionState[] = [];
  for (const projection of projections) {
    const checkpoint = (await liveCheckpoint(source.db, schema, projection.name)) ?? 0;
    const oldest = checkpoint < head ? (await source.readAll({ fromGlobalPosition: checkpoint + 1, maxCount: 1 }))[0] : undefined;
    const stored = await storedVersion(source.db, schema, projection.name);
    const running = rebuilds.get(projection.name);
    const mine = local.get(projection.name);
    let rebuild: ProjectionState['rebuild'];
    if (running) {
      const seconds = Math.max(0.001, (running.heartbeatAt.getTime() - running.startedAt.getTime()) / 1_000);
      const eventsPerSecond = mine?.eventsPerSecond ?? running.applied / seconds;
      const remaining = Math.max(0, head - running.position);
      rebuild = {
        projection: projection.name,
        version: running.version,
        phase: mine?.phase ?? 'building',
        position: running.position,
        head,
        applied: running.applied,
        eventsPerSecond,
        etaSeconds: eventsPerSecond > 0 ? remaining / eventsPerSecond : undefined,
        owner: running.owner,
        startedAt: running.startedAt.toISOString(),
        heartbeatAt: running.heartbeatAt.toISOString(),
      };
    }
    states.push({
      projection: projection.name,
      version: stored?.version ?? 1,
      codeVersion: projection.version ?? 1,
      checkpoint,
      ...(stored?.switchedAt ? { switchedAt: stored.switchedAt } : {}),
      lag: { events: Math.max(0, head - checkpoint), seconds: oldest ? Math.max(0, (Date.now() - oldest.occurredAt.getTime()) / 1_000) : 0 },
      ...(rebuild ? { rebuild } : {}),
    });
  }
  return states;
}
