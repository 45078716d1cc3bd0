import { Client } from 'pg';

/** "Only one of us is active": a relay publishes only while it holds this. */
export interface LeaderLock {
  /** Tries once; true when this process now holds (or already held) the lock. */
  tryAcquire(): Promise<boolean>;
  /** False as soon as the lock may have been lost (e.g. its connection died). */
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * A PostgreSQL session advisory lock on a dedicated connection. When the holder dies (even kill -9)
 * its connection closes and the server frees the lock, so a standby's next try succeeds.
 */
export class PostgresLeaderLock implements LeaderLock {
  private client: Client | undefined;
  private holding = false;

  constructor(
    private readonly connectionString: string,
    private readonly key: bigint,
  ) {}

  get held(): boolean {
    return this.holding;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.holding) return true;
    if (!this.client) {
      const client = new Client({ connectionString: this.connectionString, keepAlive: true, application_name: 'bintrail-relay-lock' });
      const lost = (): void => {
        this.holding = false;
        if (this.client === client) this.client = undefined;
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      this.client = client;
    }
    const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.key.toString()]);
    this.holding = rows[0]!.ok;
    return this.holding;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.holding = false;
    await client?.end().catch(() => undefined);
  }
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
