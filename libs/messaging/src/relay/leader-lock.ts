import { Client } from 'pg';
import { silentLogger, type Logger } from '@bintrail/observability';

/** "Only one of us is active": a relay publishes only while it holds this. */
export interface LeaderLock {
  /** Tries once; true when this process now holds (or already held) the lock. */
  tryAcquire(): Promise<boolean>;
  /** False as soon as the lock may have been lost (e.g. its connection died or stopped answering). */
  readonly held: boolean;
  release(): Promise<void>;
}

export interface PostgresLeaderLockOptions {
  /** How often the holder proves, on the lock's own connection, that its session still holds the lock (default 1 s). */
  readonly checkIntervalMs?: number;
  /** A check (or the acquiring query) not answered within this counts as a lost lock (default 2 s). */
  readonly checkTimeoutMs?: number;
  /** Gives up connecting after this long; in a partition a connect would otherwise hang (default 5 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Server side (PostgreSQL 14+ `idle_session_timeout`): the lock's session is ended after this long
   * without a query, which frees the lock of a holder that went silent. Must be longer than
   * checkIntervalMs + checkTimeoutMs (default 10 s).
   */
  readonly idleSessionTimeoutMs?: number;
  readonly logger?: Logger;
}

/** SQLSTATE of "unrecognized configuration parameter" (a server older than the setting). */
const UNDEFINED_OBJECT = '42704';

/** TCP keepalive probes start after this much silence, so a dead peer surfaces as a socket error, not a hang. */
const KEEPALIVE_DELAY_MS = 5_000;

/** True while this session holds the advisory lock `$1` (a bigint key is split into classid:objid). */
const HOLDS_LOCK_SQL = `SELECT EXISTS (
  SELECT 1 FROM pg_locks
   WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
     AND ((classid::bigint << 32) | objid::bigint) = $1::bigint) AS held`;

/**
 * A PostgreSQL session advisory lock on a dedicated connection. When the holder dies (even kill -9)
 * its connection closes and the server frees the lock, so a standby's next try succeeds.
 *
 * A network partition can keep the old connection open with nobody noticing: no packet says it died.
 * Two safeguards bound how long two relays could both publish:
 * - The holder checks its lock every checkIntervalMs with a query that must be answered within
 *   checkTimeoutMs; otherwise (or on any connection error) `held` turns false at once, the connection is
 *   dropped, and the relay starts no further batch. So a holder cut off from PostgreSQL stops at most
 *   checkIntervalMs + checkTimeoutMs (default 3 s) after its last successful check.
 * - The server ends the lock's session once it has been silent for idleSessionTimeoutMs (default 10 s),
 *   freeing the lock. Since that is longer than the first bound, a standby normally acquires the lock only
 *   after the old holder has stopped. Were the lock freed sooner (an operator's pg_terminate_backend, a
 *   server restart the old holder cannot see), the overlap is at most checkIntervalMs + checkTimeoutMs.
 * In both cases a batch whose publish had already started may still land: at most one batch, which the
 * consumers' inboxes absorb like any redelivery. TCP keepalive (after 5 s of silence) additionally turns a
 * dead peer into a socket error on both ends.
 */
export class PostgresLeaderLock implements LeaderLock {
  private client: Client | undefined;
  private holding = false;
  private checker: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly checkIntervalMs: number;
  private readonly checkTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly idleSessionTimeoutMs: number;
  private readonly logger: Logger;

  constructor(
    private readonly connectionString: string,
    private readonly key: bigint,
    options: PostgresLeaderLockOptions = {},
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1_000;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.idleSessionTimeoutMs = options.idleSessionTimeoutMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    if (this.idleSessionTimeoutMs <= this.checkIntervalMs + this.checkTimeoutMs) {
      throw new Error('PostgresLeaderLock: idleSessionTimeoutMs must exceed checkIntervalMs + checkTimeoutMs, or a healthy holder loses its session');
    }
  }

  get held(): boolean {
    return this.holding;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.holding) return true;
    const client = this.client ?? (await this.connect());
    try {
      const { rows } = await within(client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.key.toString()]), this.checkTimeoutMs, 'taking the lock');
      this.holding = rows[0]!.ok;
    } catch (error) {
      this.drop(client, error);
      throw error;
    }
    if (this.holding) this.startChecks(client);
    return this.holding;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.stopChecks();
    this.client = undefined;
    this.holding = false;
    if (!client) return;
    // A polite goodbye, but not one that waits for a server that no longer answers.
    await within(client.end(), this.checkTimeoutMs, 'closing the lock connection').catch(() => client.connection.stream.destroy());
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.connectionString,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      connectionTimeoutMillis: this.connectTimeoutMs,
      application_name: 'bintrail-relay-lock',
    });
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client, new Error('lock connection ended')));
    await client.connect();
    this.client = client;
    try {
      await within(client.query(`SET idle_session_timeout = ${Math.round(this.idleSessionTimeoutMs)}`), this.checkTimeoutMs, 'configuring the lock session');
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_OBJECT) {
        this.drop(client, error);
        throw error;
      }
      // PostgreSQL before 14: a silent holder's lock is then freed only when the server's TCP keepalive gives up.
      this.logger.warn('lock session: idle_session_timeout not available; a partitioned holder keeps the lock longer', { error });
    }
    return client;
  }

  private startChecks(client: Client): void {
    this.stopChecks();
    this.checker = setInterval(() => void this.check(client), this.checkIntervalMs);
    this.checker.unref(); // a lock must not keep a process alive that is otherwise done
  }

  private stopChecks(): void {
    if (this.checker) clearInterval(this.checker);
    this.checker = undefined;
  }

  /** One proof that this session still holds the lock; no answer in time means it may not. */
  private async check(client: Client): Promise<void> {
    if (this.checking || this.client !== client) return;
    this.checking = true;
    try {
      const { rows } = await within(client.query<{ held: boolean }>(HOLDS_LOCK_SQL, [this.key.toString()]), this.checkTimeoutMs, 'lock check');
      if (!rows[0]!.held) this.drop(client, new Error('the session no longer holds the advisory lock'));
    } catch (error) {
      this.drop(client, error);
    } finally {
      this.checking = false;
    }
  }

  /**
   * Gives the lock up at once: `held` turns false (the relay starts no further batch) and the socket is
   * destroyed rather than closed politely, which would wait for a server that may not answer.
   */
  private drop(client: Client, reason: unknown): void {
    if (this.client !== client) return;
    if (this.holding) this.logger.warn('leader lock lost', { error: reason });
    this.holding = false;
    this.client = undefined;
    this.stopChecks();
    client.connection.stream.destroy();
  }
}

/** Rejects when `promise` has not settled within `ms` (its own later outcome is then ignored). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from PostgreSQL within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** For the embedded mode (one process, one relay). */
export class ProcessLeaderLock implements LeaderLock {
  private holding = false;
  get held(): boolean {
    return this.holding;
  }
  async tryAcquire(): Promise<boolean> {
    this.holding = true;
    return true;
  }
  async release(): Promise<void> {
    this.holding = false;
  }
}
