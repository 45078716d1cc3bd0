import type { RecordedEvent } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type EventStore, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { Projection } from './projection';
import { groupOf, migrateProjectionBookkeeping, recordVersion, shadowSchemaOf, storedVersion, tablesOf } from './versions';

/** What a rebuild needs of the store: its log, its head, and the database the projections live in. */
export interface RebuildSource extends Pick<EventStore, 'readAll'> {
  readonly db: SqlDatabase;
  headPosition(): Promise<number>;
}

export interface RebuildProgress {
  readonly projection: string;
  readonly version: number;
  readonly phase: 'building' | 'switching' | 'done';
  /** Last global position folded into the shadow tables. */
  readonly position: number;
  /** The store's head when last looked at. */
  readonly head: number;
  /** Events read by this run (a resumed run counts from where it resumed). */
  readonly applied: number;
  readonly eventsPerSecond: number;
  /** Seconds to reach the head at the current rate; undefined before a rate is known. */
  readonly etaSeconds: number | undefined;
}

export interface RebuildOptions {
  /** Version to build (default the projection's `version`, 1 when absent); the same version again rebuilds it from scratch. */
  readonly version?: number;
  /** Events per transaction (default 1,000); live work runs between them. */
  readonly batchSize?: number;
  /** Identifies this runner in the lease (default a per-process id). */
  readonly owner?: string;
  /** A rebuild whose runner has not written for this long may be taken over (default 30 s). */
  readonly leaseMs?: number;
  /** Discard a half-built shadow instead of resuming it. */
  readonly fresh?: boolean;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Test hook: runs after each committed batch (e.g. to let a test kill the process part-way). */
  readonly afterBatch?: (position: number) => Promise<void> | void;
}

export interface RebuildResult {
  readonly projection: string;
  readonly version: number;
  /** The checkpoint the new version went live with. */
  readonly checkpoint: number;
  readonly applied: number;
  readonly resumedFrom: number;
}

/** Another runner holds this projection's rebuild. */
export class RebuildInProgress extends Error {
  constructor(readonly projection: string) {
    super(`a rebuild of ${projection} is already running`);
  }
}

/** This runner's lease was taken over (it was too slow to write): it stops without switching. */
export class RebuildLeaseLost extends Error {}

/** The live consumer moved past what the switch had read: catch up again and retry. */
class LiveMovedAhead extends Error {}

const defaultOwner = `pid:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const MAX_SWITCH_ATTEMPTS = 50;

/**
 * Blue/green rebuild: folds the whole log, from position 0 of the store, into a shadow schema built by
 * the projection's own migrations, one short transaction per batch (the live version keeps consuming and
 * answering in between, PGlite's single connection included), then switches in one transaction: the live
 * tables are locked, the events the live consumer applied since are folded in, the old tables are dropped,
 * the new ones moved in (`ALTER TABLE … SET SCHEMA`), and the new position becomes the live checkpoint. The
 * live consumer's next compare-and-set then fails, it reloads the checkpoint and goes on on the new tables.
 * Readers see the old view or the new one, never a half-built one.
 */
export async function rebuildProjection(source: RebuildSource, schema: string, projection: Projection, options: RebuildOptions = {}): Promise<RebuildResult> {
  const db = source.db;
  const s = quoteIdent(schema);
  const version = options.version ?? projection.version ?? 1;
  const owner = options.owner ?? defaultOwner;
  const batchSize = options.batchSize ?? 1_000;
  const logger = (options.logger ?? silentLogger).child({ projection: projection.name, rebuildVersion: version });
  const shadow = shadowSchemaOf(schema, projection.name);
  const sh = quoteIdent(shadow);
  const types = new Set(projection.types);
  await migrateProjectionBookkeeping(db, schema);

  // Claim the lease; resume the shadow a runner of the same version left behind (killed), else start over.
  const { rows: claimed } = await db.query<{ version: number; position: string; head: string }>(
    `INSERT INTO ${s}.projection_rebuilds AS r (name, version, shadow_schema, owner) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, started_at = now(), heartbeat_at = now(), applied = 0
       WHERE r.owner = EXCLUDED.owner OR r.heartbeat_at < now() - make_interval(secs => $5)
     RETURNING r.version, r.position, r.head`,
    [projection.name, version, shadow, owner, (options.leaseMs ?? 30_000) / 1_000],
  );
  if (claimed.length === 0) throw new RebuildInProgress(projection.name);
  const shadowExists = (await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [shadow])).rows.length > 0;
  let position = Number(claimed[0]!.position);
  if (options.fresh || Number(claimed[0]!.version) !== version || !shadowExists || position === 0) {
    await db.exec(`DROP SCHEMA IF EXISTS ${sh} CASCADE`);
    await runMigrations(db, shadow, groupOf(projection.name), projection.migrations);
    await db.query(`UPDATE ${s}.projection_rebuilds SET version = $2, position = 0, head = 0 WHERE name = $1 AND owner = $3`, [projection.name, version, owner]);
    position = 0;
  }
  const resumedFrom = position;
  logger.info(resumedFrom > 0 ? `rebuild resumes at position ${resumedFrom}` : 'rebuild starts from position 0');

  const startedAt = Date.now();
  let applied = 0;
  let head = Math.max(Number(claimed[0]!.head), await source.headPosition());
  const report = (phase: RebuildProgress['phase']): void => {
    if (!options.onProgress) return;
    const seconds = (Date.now() - startedAt) / 1_000;
    const eventsPerSecond = seconds > 0 ? applied / seconds : 0;
    const etaSeconds = eventsPerSecond > 0 ? Math.max(0, head - position) / eventsPerSecond : undefined;
    options.onProgress({ projection: projection.name, version, phase, position, head, applied, eventsPerSecond, etaSeconds });
  };

  /** What the projection keeps between this run's batches (Projection.applyBatch); cleared when a transaction fails. */
  const memo = new Map<string, unknown>();
  /** A transaction that folds: if it does not commit, the memo may hold what it rolled back. */
  const folding = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction(work);
    } catch (error) {
      memo.clear();
      throw error;
    }
  };

  /** Folds events into the shadow and moves the rebuild's position, in `tx` (compare-and-set on the position). */
  const fold = async (tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> => {
    const relevant = events.filter((event) => types.has(event.type));
    if (projection.applyBatch) {
      if (relevant.length > 0) await projection.applyBatch(relevant, tx, sh, memo);
    } else {
      for (const event of relevant) await projection.apply(event, tx, sh);
    }
    const last = events[events.length - 1]!.globalPosition;
    const { rows } = await tx.query(
      `UPDATE ${s}.projection_rebuilds SET position = $3, head = $4, applied = applied + $5, heartbeat_at = now()
       WHERE name = $1 AND owner = $2 AND position = $6 RETURNING 1`,
      [projection.name, owner, last, Math.max(head, last), events.length, position],
    );
    if (rows.length === 0) throw new RebuildLeaseLost(`the rebuild of ${projection.name} was taken over by another runner`);
  };

  const read = (from: number): Promise<RecordedEvent[]> => {
    const page = source.readAll({ fromGlobalPosition: from, maxCount: batchSize });
    page.catch(() => undefined); // awaited (and its error thrown) by the loop; never an unhandled rejection meanwhile
    return page;
  };
  // On a server the next page is read while this one folds (another connection): reading the log was a third
  // of a ledger rebuild's time. PGlite has one connection, where the two would only queue behind each other.
  const prefetch = db.kind === 'postgres';
  const catchUp = async (): Promise<void> => {
    let next: Promise<RecordedEvent[]> | undefined;
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('rebuild aborted');
      await yieldToIo(); // live consumers and readers get the connection between batches
      const batch = await (next ?? read(position + 1));
      next = undefined;
      if (batch.length === 0) return;
      if (prefetch && batch.length === batchSize) next = read(batch[batch.length - 1]!.globalPosition + 1);
      await foldBatch(batch);
      applied += batch.length;
      position = batch[batch.length - 1]!.globalPosition;
      if (position > head) head = await source.headPosition();
      report('building');
      await options.afterBatch?.(position);
      if (batch.length < batchSize) return;
    }
  };

  /** One transaction for the batch; if a handler fails, event by event, parking what still fails (as the live consumer does). */
  const foldBatch = async (batch: readonly RecordedEvent[]): Promise<void> => {
    try {
      await folding((tx) => fold(tx, batch));
      return;
    } catch (error) {
      if (error instanceof RebuildLeaseLost) throw error;
      logger.warn('a batch failed; folding it event by event', { error });
    }
    for (const event of batch) {
      try {
        await folding((tx) => fold(tx, [event]));
      } catch (error) {
        if (error instanceof RebuildLeaseLost) throw error;
        const reason = `rebuild to version ${version}: ${(error as Error).message ?? String(error)}`;
        logger.error('event parked by the rebuild', { globalPosition: event.globalPosition, reason });
        await db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO ${s}.parked_events (group_id, global_position, event_id, type, reason, attempts) VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING`,
            [groupOf(projection.name), event.globalPosition, event.eventId, event.type, reason.slice(0, 2_000)],
          );
          await tx.query(`UPDATE ${s}.projection_rebuilds SET position = $3, heartbeat_at = now() WHERE name = $1 AND owner = $2`, [projection.name, owner, event.globalPosition]);
        });
      }
      position = event.globalPosition;
    }
  };

  await catchUp();
  for (let attempt = 1; ; attempt++) {
    report('switching');
    // Read the tail first: inside the switch transaction PGlite cannot serve another read.
    const tail = await source.readAll({ fromGlobalPosition: position + 1, maxCount: batchSize });
    try {
      const checkpoint = await folding((tx) => switchOver(tx, tail));
      position = checkpoint;
      applied += tail.length;
      break;
    } catch (error) {
      if (!(error instanceof LiveMovedAhead) && !isTransient(error)) throw error;
      if (attempt >= MAX_SWITCH_ATTEMPTS) throw new Error(`could not switch ${projection.name}: the live version kept moving ahead`, { cause: error });
      await catchUp();
    }
  }
  await db.exec(`DROP SCHEMA IF EXISTS ${sh} CASCADE`);
  report('done');
  logger.info(`version ${version} is live at checkpoint ${position}`, { applied });
  return { projection: projection.name, version, checkpoint: position, applied, resumedFrom };

  async function switchOver(tx: SqlExecutor, tail: readonly RecordedEvent[]): Promise<number> {
    const newTables = await tablesOf(tx, shadow);
    const known = (await storedVersion(tx, schema, projection.name))?.tables ?? [];
    const present = new Set(await tablesOf(tx, schema));
    const oldTables = [...new Set([...known, ...newTables])].filter((t) => present.has(t));
    const qualified = oldTables.map((t) => `${s}.${quoteIdent(t)}`);
    // Readers and the live consumer wait here, then find the new tables under the same names.
    if (qualified.length > 0) await tx.exec(`LOCK TABLE ${qualified.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const { rows } = await tx.query<{ position: string }>(`SELECT position FROM ${s}.consumer_checkpoints WHERE group_id = $1 FOR UPDATE`, [groupOf(projection.name)]);
    const live = Number(rows[0]?.position ?? 0);
    const tailEnd = tail.length > 0 ? tail[tail.length - 1]!.globalPosition : position;
    if (live > tailEnd) throw new LiveMovedAhead();
    if (tail.length > 0) await fold(tx, tail);
    if (qualified.length > 0) await tx.exec(`DROP TABLE ${qualified.join(', ')}`);
    for (const table of newTables) await tx.exec(`ALTER TABLE ${sh}.${quoteIdent(table)} SET SCHEMA ${s}`);
    await tx.query(
      `INSERT INTO ${s}.consumer_checkpoints (group_id, position) VALUES ($1, $2)
       ON CONFLICT (group_id) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [groupOf(projection.name), tailEnd],
    );
    await tx.query(`DELETE FROM ${s}.schema_migrations WHERE component = $1`, [groupOf(projection.name)]);
    await tx.query(
      `INSERT INTO ${s}.schema_migrations (component, version, name, applied_at) SELECT component, version, name, applied_at FROM ${sh}.schema_migrations WHERE component = $1`,
      [groupOf(projection.name)],
    );
    await recordVersion(tx, schema, projection.name, version, newTables);
    const { rows: mine } = await tx.query(`DELETE FROM ${s}.projection_rebuilds WHERE name = $1 AND owner = $2 RETURNING 1`, [projection.name, owner]);
    if (mine.length === 0) throw new RebuildLeaseLost(`the rebuild of ${projection.name} was taken over by another runner`);
    return tailEnd;
  }
}

/** A deadlock (the live consumer locked the tables in another order) or a serialization failure: retry the switch. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '40P01' || code === '40001' || code === '55P03';
}

/** The rebuild under way for a projection, as stored (visible to every process on the database). */
export interface StoredRebuild {
  readonly version: number;
  readonly position: number;
  readonly head: number;
  readonly applied: number;
  readonly owner: string;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
}

export async function storedRebuilds(db: SqlExecutor, schema: string): Promise<Map<string, StoredRebuild>> {
  const { rows } = await db.query<{ name: string; version: number; position: string; head: string; applied: string; owner: string; started_at: Date; heartbeat_at: Date }>(
    `SELECT name, version, position, head, applied, owner, started_at, heartbeat_at FROM ${quoteIdent(schema)}.projection_rebuilds`,
  );
  return new Map(
    rows.map((r) => [
      r.name,
      {
        version: Number(r.version),
        position: Number(r.position),
        head: Number(r.head),
        applied: Number(r.applied),
        owner: r.owner,
        startedAt: new Date(r.started_at),
        heartbeatAt: new Date(r.heartbeat_at),
      },
    ]),
  );
}
