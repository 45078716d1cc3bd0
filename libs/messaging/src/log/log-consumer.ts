import { performance } from 'node:perf_hooks';
import type { RecordedEvent } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type EventStore, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import { backoffDelay, sleep } from '../backoff';
import { SharedLogReader } from './shared-log-reader';

/** What a handler gets besides the event: the transaction its effects must be written in. */
export interface LogHandlerContext {
  /** Commits together with the consumer's checkpoint: an effect is applied exactly once. */
  readonly tx: SqlExecutor;
  /** Carries the event's correlation id. */
  readonly logger: Logger;
  /**
   * Groups outside a transaction only (`transactional: false`), on the batch path: the handler may start its
   * work (commands queued on their streams, in the order of the events) and hand over the promise of its end
   * here instead of awaiting it; the group then calls the handler of the next event at once, and waits for all
   * of a batch's work before it moves the checkpoint. So commands caused by a batch of events are decided and
   * appended together (a warehouse stream's allocations in one append, not one per order). When some work
   * fails, every event from the first failed one on is delivered again, one at a time, awaited, without
   * `defer`. Absent (the retry path, transactional groups): await the work.
   */
  readonly defer?: (work: Promise<unknown>) => void;
}

export interface LogConsumerOptions {
  /** One checkpoint per group; two groups each see every event. */
  readonly groupId: string;
  readonly handle: (event: RecordedEvent, context: LogHandlerContext) => Promise<void>;
  /**
   * Optional (transactional groups): handles several events this group accepts, in log order, in one call,
   * with the same effects as `handle` on each in turn (a projection's set-based `applyBatch`: a few statements
   * a batch instead of some per event). Runs in the batch's transaction, which also moves the checkpoint. When
   * it throws, the batch is rolled back and its events go through `handle` one by one, retried and, if need
   * be, parked, as without it.
   */
  readonly handleBatch?: (events: readonly RecordedEvent[], context: LogHandlerContext) => Promise<void>;
  /** Event types this group handles; the others advance its checkpoint without a handler call. */
  readonly accepts?: (type: string) => boolean;
  /** Only read these categories of the log (a cheaper read; `accepts` still filters by type). */
  readonly categories?: readonly string[];
  /** Attempts before an event is parked (default 5). */
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
  readonly batchSize?: number;
  /** Sleep when caught up; `wake` (e.g. the store's append signal) can cut it short. */
  readonly idlePollMs?: number;
  readonly wake?: (timeoutMs: number) => Promise<void>;
  /** Called each time the group has caught up with the log (its checkpoint is current), just before it sleeps. */
  readonly onCaughtUp?: () => void;
  /**
   * Transactional groups under load: the least time between the starts of two reads (default 12 ms; 0: read at
   * once), so that one transaction takes the events of several appends. Woken sooner, the group waits out the
   * rest. Under load means: `busy` says so; without `busy`, the group applied a batch less than 10 ms before
   * being woken and more than one append came between its last two reads. A group woken after a quiet spell,
   * or by one command at a time, reads at once.
   */
  readonly lingerMs?: number;
  /**
   * The process's load signal (default: the one given to LogConsumers.open, if any): true while more commands
   * are on their way than the one whose append woke the group (the platform: more than one HTTP request in
   * flight). A group quick enough to read after every append never sees more than one append between its
   * reads, so the guess from its own reads alone left it reading (and committing) once per append under load.
   */
  readonly busy?: () => boolean;
  readonly logger?: Logger;
  /**
   * false: run the handler outside any transaction (its `tx` is the database itself, autocommit), and
   * move the checkpoint after the events, at most every 100 ms under load. For handlers that issue commands, i.e. append to the store: an append must be
   * the first write of its transaction, and PGlite serialises transactions, so an append from inside the
   * consumer's transaction would wait for it forever. Delivery is then at least once (a crash after a
   * handler, before the checkpoint, delivers the batch's events again): such handlers must be idempotent, as
   * commands carrying ids derived from the event are. Default true (exactly once, effects in `tx`).
   */
  readonly transactional?: boolean;
  /**
   * Transactional groups without `handleBatch`: once a batch's transaction has run this long, it commits the
   * events handled so far (checkpoint included) and the rest goes into the next one (default 50 ms), so that its
   * effects become readable (and the group's lag shrinks) while a long backlog is worked off. (Before the
   * event store's migration 4, such a transaction also hid every later append from all readers of the log.)
   */
  readonly maxTransactionMs?: number;
}

/** What every group started by one LogConsumers shares unless its own options say otherwise. */
export interface LogConsumersOptions {
  /** The process's load signal (see LogConsumerOptions.busy). */
  readonly busy?: () => boolean;
}

export interface LogConsumerStatus {
  readonly groupId: string;
  /** Global position of the last event this group has applied (or skipped, or parked). */
  readonly checkpoint: number;
  readonly applied: number;
  readonly parked: number;
  /** What the group is retrying right now; undefined while healthy. */
  readonly stuck: { readonly globalPosition: number; readonly eventId: string; readonly type: string; readonly error: string; readonly attempts: number; readonly since: string } | undefined;
}

export interface RunningLogConsumer {
  readonly status: LogConsumerStatus;
  stop(): Promise<void>;
}

/**
 * Consumer groups reading the event store's global log directly (no bus in between), each from
 * its own checkpoint. The checkpoint row is updated in the same transaction as the handler's
 * effects, so a crash at any point — even kill -9 — leaves either both or neither: after a
 * restart every event is applied exactly once. Used by the embedded form for every consumer and
 * by projections in both forms.
 */
export class LogConsumers {
  /** Every group of this process reads the log through it: one read at the head serves them all. */
  readonly reader: SharedLogReader;

  private constructor(
    store: EventStore,
    readonly db: SqlDatabase,
    private readonly s: string,
    private readonly defaults: LogConsumersOptions,
  ) {
    this.reader = new SharedLogReader(store);
  }

  /** `db` must be the store's own database, so effects, checkpoint and log share transactions. */
  static async open(store: EventStore, db: SqlDatabase, schema: string, options: LogConsumersOptions = {}): Promise<LogConsumers> {
    await runMigrations(db, schema, 'log-consumers', [
      {
        version: 1,
        name: 'consumer checkpoints and parked events',
        sql: (s) => `
          CREATE TABLE ${s}.consumer_checkpoints (
            group_id text PRIMARY KEY,
            position bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE TABLE ${s}.parked_events (
            group_id text NOT NULL,
            global_position bigint NOT NULL,
            event_id uuid NOT NULL,
            type text NOT NULL,
            reason text NOT NULL,
            attempts integer NOT NULL,
            parked_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_id, global_position)
          );`,
      },
    ]);
    return new LogConsumers(store, db, quoteIdent(schema), options);
  }

  async checkpoint(groupId: string): Promise<number> {
    const { rows } = await this.db.query<{ position: string }>(`SELECT position FROM ${this.s}.consumer_checkpoints WHERE group_id = $1`, [groupId]);
    return Number(rows[0]?.position ?? 0);
  }

  /** Events a group gave up on, with the reason (oldest first). */
  async parked(groupId: string): Promise<{ globalPosition: number; eventId: string; type: string; reason: string; attempts: number }[]> {
    const { rows } = await this.db.query<{ global_position: string; event_id: string; type: string; reason: string; attempts: number }>(
      `SELECT global_position, event_id, type, reason, attempts FROM ${this.s}.parked_events WHERE group_id = $1 ORDER BY global_position`,
      [groupId],
    );
    return rows.map((r) => ({ globalPosition: Number(r.global_position), eventId: r.event_id, type: r.type, reason: r.reason, attempts: Number(r.attempts) }));
  }

  /** Starts a group from its stored checkpoint; resolves once the checkpoint is loaded. */
  async start(options: LogConsumerOptions): Promise<RunningLogConsumer> {
    await this.db.query(`INSERT INTO ${this.s}.consumer_checkpoints (group_id, position) VALUES ($1, 0) ON CONFLICT DO NOTHING`, [options.groupId]);
    const busy = options.busy ?? this.defaults.busy;
    const consumer = new GroupLoop(this.reader, this.db, this.s, { ...options, ...(busy ? { busy } : {}) }, await this.checkpoint(options.groupId));
    consumer.start();
    return consumer;
  }
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A group's checkpoint moved under it: another runner of the same group is active. */
class CheckpointMoved extends Error {}

/** Rolls back a batch transaction when the consumer is asked to stop in the middle of it. */
class StopRequested extends Error {}

/**
 * How long a checkpoint that moved only over events the group does not handle may stay unwritten. Such
 * a move has no effect to keep in step with: after a crash the group reads those events again and skips
 * them again. Writing it at once cost a transaction per group per command, for nothing.
 */
const SKIPPED_CHECKPOINT_FLUSH_MS = 1_000;

/**
 * How long the checkpoint of a group outside a transaction may stay behind the events it has handled. Its
 * delivery is at least once whatever the interval (a crash between a handler and the checkpoint delivers again),
 * and its handlers are idempotent; a shorter interval only bounds how much a restart reads again. Written after
 * every batch, it cost two groups a transaction per command each under load.
 */
const HANDLED_CHECKPOINT_FLUSH_MS = 100;

/**
 * Without a load signal, a transactional group that applied a batch this recently, with more than one append
 * between its last two reads, is taken to be busy: it lingers after a wake-up (see `lingerMs`). A projection's
 * batch costs PGlite a few statements whatever its size (about 1-2 ms), and under load the platform appends a
 * few events at a time: with 4 ms of linger the receipts bench ran some 75 batches a second per projection, 6
 * receipts each; with 12 ms, CPU per receipt fell by a fifth (0.86-1.02 ms against 1.09-1.20 ms in three
 * alternating runs each). One command at a time (one append per read) does not linger: its reads stay as quick
 * as before.
 */
const BUSY_WINDOW_MS = 10;

class GroupLoop implements RunningLogConsumer {
  private stopping = false;
  /**
   * The checkpoint as stored: the compare-and-set expects it. `position` may be ahead, over skipped events (and,
   * outside a transaction, handled ones: see `handledUnstored`).
   */
  private stored: number;
  private storedAt = Date.now();
  /** Outside a transaction: some event between `stored` and `position` was handled (not only skipped). */
  private handledUnstored = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** The wait for the next append, begun before the read that found nothing more (see run). */
  private armed: Promise<void> | undefined;
  /** The shared reader's freshness mark when `armed` was armed: reads must be fresh as of it (see step). */
  private armedAt = 0;
  private applied = 0;
  private parkedCount = 0;
  private stuck: LogConsumerStatus['stuck'];
  /** When this group last committed a batch with effects (performance.now()). */
  private appliedAt = -Infinity;
  /** The shared reader's freshness mark at this group's last read, and how far it moved since the read before. */
  private markAtRead = 0;
  private appendsBetweenReads = 0;
  /** When this group's last read began (performance.now()). */
  private readAt = -Infinity;
  private readonly logger: Logger;

  constructor(
    private readonly reader: SharedLogReader,
    private readonly db: SqlDatabase,
    private readonly s: string,
    private readonly options: LogConsumerOptions,
    private position: number,
  ) {
    this.stored = position;
    this.logger = (options.logger ?? silentLogger).child({ consumerGroup: options.groupId });
  }

  get status(): LogConsumerStatus {
    return { groupId: this.options.groupId, checkpoint: this.position, applied: this.applied, parked: this.parkedCount, stuck: this.stuck };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    await this.flushCheckpoint(0).catch((error: unknown) => this.logger.warn('could not write the checkpoint on stop; its last events will be read again', { error }));
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        // Let the event loop take in I/O first. PGlite answers without ever leaving the microtask queue,
        // so a dozen groups taking turns on it could keep HTTP requests from being read at all: the
        // platform then served one command at a time, and nothing could batch.
        await yieldToIo();
        // Wait for the next append from before the read on: an append made while this group reads and
        // applies (another group's command, in the middle of a choreography) must wake it, not find it
        // asleep for idlePollMs after its read missed it.
        if (this.armed === undefined) {
          this.armedAt = this.reader.freshnessMark;
          this.armed = this.options.wake ? this.options.wake(this.options.idlePollMs ?? 50) : sleep(this.options.idlePollMs ?? 50);
        }
        const caughtUp = await this.step();
        failures = 0;
        await this.flushCheckpoint();
        if (caughtUp) {
          this.options.onCaughtUp?.();
          await this.idle();
          await this.lingerIfBusy();
        }
      } catch (error) {
        // The log or the database is unavailable (or another runner moved the checkpoint): pause, reload, go on.
        failures += 1;
        this.logger.warn('log consumer paused after a failure; retrying', { error, attempt: failures });
        await this.pause(backoffDelay(failures));
        if (this.stopping) break;
        this.position = await this.readCheckpoint().catch(() => this.stored);
        this.stored = this.position;
      }
    }
  }

  /**
   * Handles one batch; true when the log had nothing more to give. The read is asked to be fresh as of the
   * wait this group armed (`freshAfter`): served from the shared window filled before the arming, a short
   * batch could miss an append made in between, which then woke nobody, and the group slept until its poll
   * (an embedded order took 50 ms longer one time in two).
   */
  private async step(): Promise<boolean> {
    const batchSize = this.options.batchSize ?? 200;
    const mark = this.reader.freshnessMark;
    this.appendsBetweenReads = mark - this.markAtRead;
    this.markAtRead = mark;
    this.readAt = performance.now();
    const { events: batch, scannedTo } = await this.reader.readBatch({
      fromGlobalPosition: this.position + 1,
      maxCount: batchSize,
      ...(this.options.categories ? { categories: this.options.categories } : {}),
      freshAfter: this.armedAt,
    });
    // Events of other categories up to scannedTo: skipped, as events the group does not accept are (not read
    // again and again from the window, each read then asking the store for more).
    const skipToScanned = (): void => {
      if (scannedTo > this.position) this.position = scannedTo;
    };
    if (this.options.transactional !== false && batch.length > 1) {
      const outcome = await this.applyInOneTransaction(batch);
      if (outcome === 'applied') {
        skipToScanned();
        return batch.length < batchSize;
      }
      if (outcome === 'cut short') return false; // the rest of the batch at once, in a transaction of its own
    }
    const from = this.options.transactional === false ? await this.startAll(batch) : 0;
    for (const event of batch.slice(from)) {
      if (this.stopping) break;
      if (this.options.accepts && !this.options.accepts(event.type)) {
        this.position = event.globalPosition; // written with the next effect, or by flushCheckpoint
        continue;
      }
      await this.deliver(event);
    }
    if (!this.stopping) skipToScanned();
    // Outside a transaction the checkpoint is written by flushCheckpoint (delivery is at least once anyway): at
    // most every HANDLED_CHECKPOINT_FLUSH_MS after handled events (startAll and deliver note them), every second
    // over skipped events only. (Written after every batch, it was most of the embedded platform's checkpoint writes.)
    return batch.length < batchSize;
  }

  /**
   * The fast path: a whole batch in one transaction, one commit and one checkpoint write (a transaction
   * per event made the consumers the embedded platform's bottleneck). 'cut short': committed up to an event
   * after maxTransactionMs, the rest is still to do. 'failed' when a handler failed: the batch was rolled
   * back and the caller goes event by event, to retry and, if need be, park the culprit.
   */
  private async applyInOneTransaction(batch: readonly RecordedEvent[]): Promise<'applied' | 'cut short' | 'failed'> {
    const accepted = this.options.accepts ? batch.filter((e) => this.options.accepts!(e.type)) : batch;
    let last = batch[batch.length - 1]!.globalPosition;
    let handled = accepted.length;
    if (accepted.length === 0) {
      this.position = last; // nothing to apply: written with the next effect, or by flushCheckpoint
      return 'applied';
    }
    try {
      await this.db.transaction(async (tx) => {
        if (this.options.handleBatch) {
          await this.options.handleBatch(accepted, { tx, logger: this.logger });
        } else {
          const started = performance.now();
          const maxMs = this.options.maxTransactionMs ?? 50;
          for (const [i, event] of accepted.entries()) {
            if (this.stopping) throw new StopRequested();
            const logger = this.logger.child({ correlationId: event.metadata.correlationId, eventId: event.eventId, type: event.type });
            await this.options.handle(event, { tx, logger });
            if (i < accepted.length - 1 && performance.now() - started >= maxMs) {
              // Long enough: commit up to this event; the rest is read again (from the shared window) at once.
              last = event.globalPosition;
              handled = i + 1;
              break;
            }
          }
        }
        await this.moveCheckpoint(tx, last);
      });
    } catch (error) {
      if (error instanceof CheckpointMoved) throw error;
      if (this.options.handleBatch && !this.stopping) this.logger.warn('a batch failed; handling it event by event', { error, from: batch[0]!.globalPosition, to: last });
      // Stopping: nothing was applied and the loop ends. A handler failed: go event by event.
      return this.stopping ? 'applied' : 'failed';
    }
    this.committed(last);
    this.appliedAt = performance.now();
    this.applied += handled;
    this.stuck = undefined;
    return handled === accepted.length ? 'applied' : 'cut short';
  }

  /**
   * Groups outside a transaction: calls the handler of each event in log order, each as soon as the one before
   * has returned, letting handlers that `defer` their work run it side by side; then waits for all of it. Returns
   * the index in the batch of the first event not done (its handler or its work failed, or the group is
   * stopping): the caller delivers the batch from there one event at a time. Handlers of such groups are
   * idempotent (at least once), so an event after a failed one whose work succeeded may run again.
   */
  private async startAll(batch: readonly RecordedEvent[]): Promise<number> {
    const started: { readonly index: number; readonly work: Promise<unknown> }[] = [];
    /** Indexes of the events whose handler was called (the others are not this group's). */
    const handled: number[] = [];
    let notDone = batch.length;
    for (const [index, event] of batch.entries()) {
      if (this.stopping) {
        notDone = index;
        break;
      }
      if (this.options.accepts && !this.options.accepts(event.type)) continue;
      handled.push(index);
      this.handledUnstored = true;
      const logger = this.logger.child({ correlationId: event.metadata.correlationId, eventId: event.eventId, type: event.type });
      const works: Promise<unknown>[] = [];
      const defer = (work: Promise<unknown>): void => {
        const promise = Promise.resolve(work);
        promise.catch(() => undefined); // looked at below, once the batch's handlers have all been called
        works.push(promise);
      };
      try {
        await this.options.handle(event, { tx: this.db, logger, defer });
      } catch (error) {
        logger.warn('handler failed; delivering the batch again from this event, one at a time', { error, globalPosition: event.globalPosition });
        notDone = index;
        break;
      }
      if (works.length > 0) started.push({ index, work: Promise.all(works) });
    }
    const outcomes = await Promise.allSettled(started.map((s) => s.work));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled' || started[i]!.index >= notDone) return;
      notDone = started[i]!.index;
      this.logger.warn('deferred work failed; delivering the batch again from its event, one at a time', {
        error: outcome.reason,
        globalPosition: batch[notDone]!.globalPosition,
      });
    });
    this.applied += handled.filter((index) => index < notDone).length;
    if (notDone > 0) this.position = Math.max(this.position, batch[notDone - 1]!.globalPosition);
    if (notDone === batch.length) this.stuck = undefined;
    return notDone;
  }

  /** Runs the handler with retries; after the last attempt the event is parked with its reason. */
  private async deliver(event: RecordedEvent): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const logger = this.logger.child({ correlationId: event.metadata.correlationId, eventId: event.eventId, type: event.type });
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.options.transactional === false) {
          this.handledUnstored = true;
          await this.options.handle(event, { tx: this.db, logger });
          this.position = event.globalPosition; // written by flushCheckpoint
        } else {
          await this.db.transaction(async (tx) => {
            await this.options.handle(event, { tx, logger });
            await this.moveCheckpoint(tx, event.globalPosition);
          });
          this.committed(event.globalPosition);
          this.appliedAt = performance.now();
        }
        this.applied += 1;
        this.stuck = undefined;
        return;
      } catch (error) {
        if (error instanceof CheckpointMoved || this.stopping) throw error;
        const reason = (error as Error).message ?? String(error);
        this.stuck = { globalPosition: event.globalPosition, eventId: event.eventId, type: event.type, error: reason, attempts: attempt, since: this.stuck?.since ?? new Date().toISOString() };
        if (attempt >= maxAttempts) {
          await this.park(event, `handler failed after ${attempt} attempts: ${reason}`, attempt);
          logger.error('event parked', { reason, attempts: attempt, globalPosition: event.globalPosition });
          return;
        }
        logger.warn('handler failed; retrying', { attempt, error });
        await this.pause((this.options.backoffMs ?? backoffDelay)(attempt));
        if (this.stopping) throw error;
      }
    }
  }

  private async park(event: RecordedEvent, reason: string, attempts: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.s}.parked_events (group_id, global_position, event_id, type, reason, attempts) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [this.options.groupId, event.globalPosition, event.eventId, event.type, reason.slice(0, 2_000), attempts],
      );
      await this.moveCheckpoint(tx, event.globalPosition);
    });
    this.committed(event.globalPosition);
    this.parkedCount += 1;
    this.stuck = undefined;
  }

  private async advance(position: number): Promise<void> {
    await this.db.transaction((tx) => this.moveCheckpoint(tx, position));
    this.committed(position);
  }

  /**
   * Writes a checkpoint not yet stored once it has waited long enough: `afterMs` if given (0 on stop), else
   * HANDLED_CHECKPOINT_FLUSH_MS when handled events are behind it (groups outside a transaction), else
   * SKIPPED_CHECKPOINT_FLUSH_MS (it moved over skipped events only).
   */
  private async flushCheckpoint(afterMs?: number): Promise<void> {
    const wait = afterMs ?? (this.handledUnstored ? HANDLED_CHECKPOINT_FLUSH_MS : SKIPPED_CHECKPOINT_FLUSH_MS);
    if (this.position > this.stored && Date.now() - this.storedAt >= wait) await this.advance(this.position);
  }

  /** A transaction that moved the checkpoint to `position` has committed. */
  private committed(position: number): void {
    this.position = Math.max(this.position, position);
    this.stored = position;
    this.storedAt = Date.now();
    if (this.stored >= this.position) this.handledUnstored = false;
  }

  /** Compare-and-set: only from the checkpoint this runner stored last, so two runners of one group never both apply an event. */
  private async moveCheckpoint(tx: SqlExecutor, position: number): Promise<void> {
    const { rows } = await tx.query(
      `UPDATE ${this.s}.consumer_checkpoints SET position = $2, updated_at = now() WHERE group_id = $1 AND position = $3 RETURNING 1`,
      [this.options.groupId, position, this.stored],
    );
    if (rows.length === 0) throw new CheckpointMoved(`checkpoint of ${this.options.groupId} is no longer at ${this.stored}`);
  }

  private async readCheckpoint(): Promise<number> {
    const { rows } = await this.db.query<{ position: string }>(`SELECT position FROM ${this.s}.consumer_checkpoints WHERE group_id = $1`, [this.options.groupId]);
    return Number(rows[0]?.position ?? 0);
  }

  /** Sleeps until the append (or the poll interval) the armed wait is for; it may have come already. */
  private async idle(): Promise<void> {
    const idlePollMs = this.options.idlePollMs ?? 50;
    const armed = this.armed ?? (this.options.wake ? this.options.wake(idlePollMs) : sleep(idlePollMs));
    await Promise.race([armed, new Promise<void>((resolve) => (this.wakeUp = resolve))]);
    this.armed = undefined;
  }

  /** Woken while busy: lets a few more appends land, up to lingerMs after the last read began (transactional groups only). */
  private async lingerIfBusy(): Promise<void> {
    const lingerMs = this.options.lingerMs ?? 12;
    if (this.options.transactional === false || lingerMs <= 0 || this.stopping) return;
    const now = performance.now();
    const busy = this.options.busy ? this.options.busy() : now - this.appliedAt < BUSY_WINDOW_MS && this.appendsBetweenReads > 1;
    const wait = this.readAt + lingerMs - now;
    if (busy && wait > 0) await this.pause(wait);
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
  }
}
