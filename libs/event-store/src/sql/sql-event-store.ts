import { randomUUID } from 'node:crypto';
import type { EventMetadata, NewEvent, RecordedEvent } from '@bintrail/contracts';
import { DuplicateEventId, InvalidAppend, WrongExpectedVersion } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedVersion,
  ReadAllOptions,
  EventUpcast,
  ReadStreamOptions,
  SerializedEvent,
  SubscribeOptions,
  Subscription,
} from '../port';
import { streamWindow } from '../stream-slice';
import { AppendSignal, pollingSubscription, readAfterCheckpoint, type PollingOptions } from '../subscription';
import { prepareAppend, retriedPositions, type PreparedEvent, type StoredCopy } from '../validation';
import type { SqlDatabase, SqlExecutor } from './database';
import { lockKey, migrate, quoteIdent } from './schema';

export interface SqlEventStoreOptions extends PollingOptions {
  /** PostgreSQL schema holding the store's tables (default `bintrail`). */
  readonly schema?: string;
  /** Written into metadata.source when the caller gives none. */
  readonly source?: string;
  readonly now?: () => Date;
  /** Upcasts old versions on read (readStream, readAll, readAllSerialized, subscriptions); absent: events as stored. */
  readonly upcast?: EventUpcast;
}

interface EventRow {
  global_position: string | number | bigint;
  stream_id: string;
  stream_position: string | number | bigint;
  event_id: string;
  type: string;
  version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date | string;
}

interface AppendRow {
  r_event_id: string | null;
  r_stream_id: string | null;
  r_stream_position: string | number | bigint | null;
  r_global_position: string | number | bigint | null;
  r_type: string | null;
  r_data: unknown;
  r_already_stored: boolean;
  r_next_version: string | number | bigint;
}

const COLUMNS = 'global_position, stream_id, stream_position, event_id, type, version, data, metadata, occurred_at';

interface SerializedRow {
  global_position: string | number | bigint;
  stream_id: string;
  event_id: string;
  type: string;
  version: number;
  correlation_id: string;
  causation_id: string | null;
  json: string;
}

/** The envelope built by PostgreSQL as JSON text, in the same shape and date format as JSON.stringify in Node. */
const SERIALIZED_COLUMNS = `global_position, stream_id, event_id, type, version,
  metadata->>'correlationId' AS correlation_id, metadata->>'causationId' AS causation_id,
  json_build_object('type', type, 'version', version, 'eventId', event_id, 'streamId', stream_id,
    'streamPosition', stream_position, 'globalPosition', global_position,
    'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', data, 'metadata', metadata)::text AS json`;

/**
 * The event store on PostgreSQL: a server through `pg`, or PGlite embedded in the process.
 * One SQL function call (one round trip) per append; see schema.ts for how the global log stays gap-free.
 */
export class SqlEventStore implements EventStore {
  private readonly s: string;
  private readonly signal = new AppendSignal();
  /**
   * On a server, appends made by other processes wake this one's waiters too: after each of its appends a store
   * sends a NOTIFY on the schema's channel (at most one in flight per store: appends in the meantime share the
   * next), and once something waits on the log it LISTENs there. The payload names the sender, who ignores its own.
   */
  private readonly channel: string;
  private readonly instance = randomUUID();
  private listening: Promise<{ close(): Promise<void> } | undefined> | undefined;
  private announcing = false;
  private announceAgain = false;
  private closed = false;
  /** Row → event; with an upcast hook, events of a version it applies to come out upcast. */
  private readonly toEvent: (row: EventRow) => RecordedEvent;

  private constructor(
    readonly db: SqlDatabase,
    private readonly options: SqlEventStoreOptions,
  ) {
    this.s = quoteIdent(options.schema ?? 'bintrail');
    this.channel = `bintrail_appended_${lockKey(options.schema ?? 'bintrail', 'appended').toString(36)}`;
    const upcast = options.upcast;
    this.toEvent = upcast
      ? (row) => {
          const event = toRecorded(row);
          return upcast.appliesTo(event.type, event.version) ? upcast.upcast(event) : event;
        }
      : toRecorded;
  }

  /** Opens the store and brings its schema up to date. */
  static async open(db: SqlDatabase, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    await migrate(db, options.schema ?? 'bintrail');
    return new SqlEventStore(db, options);
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.appendWith(this.db, streamId, events, options);
  }

  /**
   * Appends inside a transaction the caller holds open (e.g. together with other writes that
   * must commit atomically after it). The append must be the transaction's first write.
   */
  async appendWith(
    executor: SqlExecutor,
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
    attempt = 0,
  ): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    const prepared = prepareAppend(streamId, events, expected, {
      newId: randomUUID,
      now: this.options.now ?? (() => new Date()),
      source: this.options.source ?? 'event-store',
    });
    // The data is serialised once, by prepareAppend; the payload embeds that text as is.
    const payload = `[${prepared
      .map(
        (e) =>
          `{"eventId":"${e.eventId}","type":${JSON.stringify(e.type)},"category":${JSON.stringify(e.category)},` +
          `"version":${e.version},"occurredAt":"${e.occurredAt.toISOString()}","metadata":${JSON.stringify(e.metadata)},"data":${e.dataJson}}`,
      )
      .join(',')}]`;
    const [kind, exact] = typeof expected === 'number' ? ['exact', expected] : [expected, null];

    let rows: AppendRow[];
    try {
      ({ rows } = await executor.query<AppendRow>(`SELECT * FROM ${this.s}.append_to_stream($1, $2, $3, $4::jsonb)`, [
        streamId,
        kind,
        exact,
        payload,
      ]));
    } catch (error) {
      const pgError = error as { code?: string; detail?: string; constraint?: string; message?: string };
      if (pgError.code === 'BT409') throw new WrongExpectedVersion(streamId, expected, Number(pgError.detail));
      if (pgError.code === 'BT400') throw new InvalidAppend('transaction', pgError.message ?? 'append must be the first write');
      if (pgError.code === '23505' && /event_id/.test(pgError.constraint ?? pgError.message ?? '')) {
        // Some event id is stored already (the function's retry check looks at the first id only).
        if (executor !== this.db && this.db.kind === 'pglite') {
          // PGlite cannot look on another connection while the caller's transaction is open.
          const id = /\(event_id\)=\(([^)]+)\)/.exec(pgError.detail ?? '')?.[1] ?? 'of this append';
          throw new DuplicateEventId(id, 'is stored already; a retry must resend the same events');
        }
        return this.resolveStoredIds(streamId, prepared);
      }
      if (pgError.code === '23505') {
        // A concurrent writer took the same stream positions first.
        const ownTransaction = executor === this.db;
        if (ownTransaction && expected === 'any' && attempt < 10) return this.appendWith(executor, streamId, events, options, attempt + 1);
        // Inside a caller's transaction PGlite cannot answer on another connection until it ends.
        const current = ownTransaction || this.db.kind === 'postgres' ? await this.streamVersion(streamId) : -1;
        throw new WrongExpectedVersion(streamId, expected, current);
      }
      throw error;
    }

    const nextExpectedVersion = Number(rows[0]!.r_next_version);
    if (rows[0]!.r_already_stored) {
      return { alreadyStored: true, nextExpectedVersion, positions: retriedPositions(streamId, prepared, storedCopies(rows)) };
    }
    this.signal.notify();
    if (executor === this.db) this.announce(); // committed (in a caller's transaction: withTransaction announces at its end)
    return {
      alreadyStored: false,
      nextExpectedVersion,
      positions: rows.map((r) => ({
        eventId: r.r_event_id!,
        streamPosition: Number(r.r_stream_position),
        globalPosition: Number(r.r_global_position),
      })),
    };
  }

  /** An append collided with stored event ids: a whole retry (possibly concurrent) is a no-op, anything else is refused. */
  private async resolveStoredIds(streamId: string, prepared: PreparedEvent[]): Promise<AppendResult> {
    const { rows } = await this.db.query<AppendRow>(
      `SELECT e.event_id AS r_event_id, e.stream_id AS r_stream_id, e.stream_position AS r_stream_position,
              e.global_position AS r_global_position, e.type AS r_type, e.data AS r_data, true AS r_already_stored,
              (SELECT coalesce(max(c.stream_position), 0) FROM ${this.s}.events c WHERE c.stream_id = $1) AS r_next_version
       FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, ord)
       LEFT JOIN ${this.s}.events e ON e.event_id = x.id
       ORDER BY x.ord`,
      [streamId, prepared.map((e) => e.eventId)],
    );
    return {
      alreadyStored: true,
      nextExpectedVersion: Number(rows[0]!.r_next_version),
      positions: retriedPositions(streamId, prepared, storedCopies(rows)),
    };
  }

  /** Runs `work` in one transaction; appends inside it become visible together at commit. */
  withTransaction<T>(work: (tx: { appendToStream: EventStore['appendToStream'] }) => Promise<T>): Promise<T> {
    return this.db.transaction((executor) =>
      work({ appendToStream: (streamId, events, options) => this.appendWith(executor, streamId, events, options) }),
    ).finally(() => {
      this.signal.notify();
      this.announce();
    });
  }

  /** Tells the other processes' stores on this schema that the log grew (see `channel`). */
  private announce(): void {
    if (!this.db.listen || this.closed) return;
    if (this.announcing) {
      this.announceAgain = true;
      return;
    }
    this.announcing = true;
    void this.db
      .query('SELECT pg_notify($1, $2)', [this.channel, this.instance])
      .catch(() => undefined) // a wake-up only: waiters poll anyway
      .finally(() => {
        this.announcing = false;
        if (this.announceAgain) {
          this.announceAgain = false;
          this.announce();
        }
      });
  }

  /** Starts listening for other processes' appends (once; a failure leaves the waiters to their polling). */
  private listenForOthers(): void {
    if (!this.db.listen || this.listening || this.closed) return;
    this.listening = this.db
      .listen(this.channel, (payload) => {
        if (payload !== this.instance) this.signal.notify();
      })
      .catch(() => undefined);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { lower, upper, backwards, limit } = streamWindow(options);
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.s}.events
       WHERE stream_id = $1 AND stream_position BETWEEN $2 AND $3
       ORDER BY stream_position ${backwards ? 'DESC' : 'ASC'} LIMIT $4`,
      [streamId, lower, upper, Math.min(limit, 1_000_000_000)],
    );
    return rows.map(this.toEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readLog<EventRow>(COLUMNS, options)).map(this.toEvent);
  }

  async readAllSerialized(options: ReadAllOptions = {}): Promise<SerializedEvent[]> {
    const rows = await this.readLog<SerializedRow>(SERIALIZED_COLUMNS, options);
    const upcast = this.options.upcast;
    return rows.map((r) => (upcast?.appliesTo(r.type, Number(r.version)) ? upcastSerialized(r, upcast) : fromSerializedRow(r)));
  }

  /**
   * The global log in order, only events below the log's horizon: no appender still running holds a smaller
   * position (schema.ts, logHorizonFunction). The horizon is taken first, in a statement of its own, so that
   * the read's snapshot is younger than it. PGlite has one connection: no other transaction runs while a read
   * does, so there the oldest running transaction (the read's own, if any) bounds it, in the same statement.
   */
  private async readLog<Row>(columns: string, options: ReadAllOptions): Promise<Row[]> {
    const params: unknown[] = [options.fromGlobalPosition ?? 1, Math.min(options.maxCount ?? 1_000_000_000, 1_000_000_000)];
    let horizon = 'pg_snapshot_xmin(pg_current_snapshot())';
    if (this.db.kind === 'postgres') {
      const { rows } = await this.db.query<{ h: string }>(`SELECT ${this.s}.log_horizon()::text AS h`);
      params.push(rows[0]!.h);
      horizon = `$${params.length}::xid8`;
    }
    let categoryFilter = '';
    if (options.categories) {
      params.push(options.categories);
      categoryFilter = `AND category = ANY($${params.length}::text[])`;
    }
    const { rows } = await this.db.query<Row>(
      `SELECT ${columns} FROM ${this.s}.events
       WHERE global_position >= $1 AND tx_id < ${horizon} ${categoryFilter}
       ORDER BY global_position LIMIT $2`,
      params,
    );
    return rows;
  }

  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    this.listenForOthers();
    return pollingSubscription(readAfterCheckpoint((o) => this.readAll(o)), this.signal, { ...this.options, ...options }, handler);
  }

  /** Number of events in the stream (0 when it does not exist). */
  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.db.query<{ v: string | number }>(
      `SELECT coalesce(max(stream_position), 0) AS v FROM ${this.s}.events WHERE stream_id = $1`,
      [streamId],
    );
    return Number(rows[0]!.v);
  }

  /** Appends signalled so far, this process's and, once it listens, other processes' (see `EventStore.appendsNotified`). */
  get appendsNotified(): number {
    return this.signal.notified;
  }

  /** Resolves on the next append (this process's, or on a server another process's) or after `timeoutMs`: consumers of the log sleep on it when caught up. */
  waitForAppend(timeoutMs: number): Promise<void> {
    this.listenForOthers();
    return this.signal.wait(timeoutMs);
  }

  /** Highest global position stored (0 for an empty log). */
  async headPosition(): Promise<number> {
    const { rows } = await this.db.query<{ p: string | number }>(`SELECT coalesce(max(global_position), 0) AS p FROM ${this.s}.events`);
    return Number(rows[0]!.p);
  }

  async close(): Promise<void> {
    this.closed = true;
    await (await this.listening)?.close();
    this.signal.notify();
    await this.db.close();
  }
}

/** The rows of the append function's retry answer (or of resolveStoredIds), as stored copies. */
function storedCopies(rows: readonly AppendRow[]): (StoredCopy | undefined)[] {
  return rows.map((r) =>
    r.r_event_id == null
      ? undefined
      : {
          eventId: r.r_event_id,
          streamId: r.r_stream_id!,
          streamPosition: Number(r.r_stream_position),
          globalPosition: Number(r.r_global_position),
          type: r.r_type!,
          data: r.r_data,
        },
  );
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    type: row.type,
    version: Number(row.version),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamPosition: Number(row.stream_position),
    globalPosition: Number(row.global_position),
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
    data: row.data,
    metadata: row.metadata,
  };
}

function fromSerializedRow(r: SerializedRow): SerializedEvent {
  return {
    eventId: r.event_id,
    type: r.type,
    version: Number(r.version),
    streamId: r.stream_id,
    globalPosition: Number(r.global_position),
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    json: r.json,
  };
}

/** The publisher's fast path for an event an upcaster applies to: parse, upcast, serialise again (only those rows pay for it). */
function upcastSerialized(r: SerializedRow, upcast: EventUpcast): SerializedEvent {
  const stored = JSON.parse(r.json) as RecordedEvent & { occurredAt: string };
  const event = upcast.upcast({ ...stored, occurredAt: new Date(stored.occurredAt) });
  return { ...fromSerializedRow(r), version: event.version, json: JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() }) };
}

export type { ExpectedVersion };
