import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { silentLogger, type Logger } from '@bintrail/observability';
import { POSITION_HEADER } from './http';

/** Request header: a client-chosen key (1-200 characters) that makes a retried command safe. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Response header on an answer given again from the store instead of running the command again. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

/** Answers that depend on timing, not on the request: never kept, so a retry runs again. */
const TRANSIENT_STATUSES = new Set([408, 425, 429]);

/** The answer kept for a key: status, the headers that matter (position, content type, location) and the body as sent. */
export interface StoredAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'completed'; readonly fingerprint: string; readonly method: string; readonly path: string; readonly answer: StoredAnswer }
  | { readonly kind: 'in-progress'; readonly fingerprint: string; readonly method: string; readonly path: string };

/** Is an answer with this status kept for the key? 2xx, 3xx and 4xx refusals are; 5xx and timing answers (408, 425, 429) are not. */
export function isStorableStatus(status: number): boolean {
  return status >= 200 && status < 500 && !TRANSIENT_STATUSES.has(status);
}

export type ParsedIdempotencyKey = { readonly ok: true; readonly key: string | undefined } | { readonly ok: false; readonly error: string };

/** The Idempotency-Key header as Node gives it: absent, or 1-200 characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): ParsedIdempotencyKey {
  if (header === undefined) return { ok: true, key: undefined };
  if (Array.isArray(header)) return { ok: false, error: `must be given once, got ${header.length} values` };
  if (header.length < 1 || header.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    return { ok: false, error: `must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} characters, got ${header.length}` };
  }
  return { ok: true, key: header };
}

/** JSON with object keys sorted at every level: two bodies that differ only in key order or spacing are the same request. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Buffer.isBuffer(value)) return JSON.stringify({ $bytes: value.toString('base64') });
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return canonicalJson(json.call(value));
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined && typeof (value as Record<string, unknown>)[k] !== 'function')
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** SHA-256 of (method, path with query, canonical body): what "the same request" means for a key. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  const canonicalBody = body === undefined || body === null || body === '' ? '' : typeof body === 'string' ? `text:${body}` : canonicalJson(body);
  return createHash('sha256').update(JSON.stringify([method.toUpperCase(), path, canonicalBody])).digest('hex');
}

export interface IdempotencyStoreOptions {
  /** How long a key is kept (default 24 h); an older key is free again. */
  readonly ttlMs?: number;
  /** A request holding a key longer than this (its process died) lets another take the key over (default 60 s). */
  readonly leaseMs?: number;
  /** Expired keys are deleted at most this often, on the way of a claim (default 60 s). */
  readonly purgeEveryMs?: number;
  readonly logger?: Logger;
}

/**
 * The answers of requests made with an Idempotency-Key, in a table of the event store's own database
 * (component 'idempotency'). A key is claimed (one statement: only one request anywhere wins it), then
 * completed with the answer, or released when the answer is not to be kept (5xx).
 */
export class IdempotencyStore {
  private lastPurge = 0;
  private readonly logger: Logger;

  private constructor(
    private readonly db: SqlDatabase,
    private readonly s: string,
    readonly options: Required<Omit<IdempotencyStoreOptions, 'logger'>>,
    logger: Logger,
  ) {
    this.logger = logger;
  }

  static async open(db: SqlDatabase, schema: string, options: IdempotencyStoreOptions = {}): Promise<IdempotencyStore> {
    await runMigrations(db, schema, 'idempotency', [
      {
        version: 1,
        name: 'answers of requests made with an Idempotency-Key',
        sql: (s) => `
          CREATE TABLE ${s}.idempotency_keys (
            key text PRIMARY KEY,
            fingerprint text NOT NULL,
            method text NOT NULL,
            path text NOT NULL,
            status integer,
            headers jsonb,
            body text,
            created_at timestamptz NOT NULL DEFAULT now(),
            lease_until timestamptz NOT NULL,
            completed_at timestamptz
          );
          CREATE INDEX idempotency_keys_created_at_idx ON ${s}.idempotency_keys (created_at);`,
      },
    ]);
    const store = new IdempotencyStore(
      db,
      quoteIdent(schema),
      { ttlMs: options.ttlMs ?? 24 * 3_600_000, leaseMs: options.leaseMs ?? 60_000, purgeEveryMs: options.purgeEveryMs ?? 60_000 },
      options.logger ?? silentLogger,
    );
    await store.purgeExpired();
    return store;
  }

  /**
   * Takes the key for this request, or says what holds it: a completed answer, or a request still in
   * flight. An expired key, or one whose holder's lease ran out, is taken over.
   */
  async claim(key: string, fingerprint: string, method: string, path: string): Promise<ClaimOutcome> {
    this.purgeSometimes();
    for (let attempt = 0; ; attempt++) {
      const { rows: claimed } = await this.db.query(
        `INSERT INTO ${this.s}.idempotency_keys AS k (key, fingerprint, method, path, lease_until)
         VALUES ($1, $2, $3, $4, now() + $5::double precision * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method, path = EXCLUDED.path,
           status = NULL, headers = NULL, body = NULL, created_at = now(), lease_until = EXCLUDED.lease_until, completed_at = NULL
         WHERE k.created_at < now() - $6::double precision * interval '1 millisecond'
            OR (k.status IS NULL AND k.lease_until < now())
         RETURNING 1`,
        [key, fingerprint, method, path, this.options.leaseMs, this.options.ttlMs],
      );
      if (claimed.length > 0) return { kind: 'claimed' };
      const { rows } = await this.db.query<{ fingerprint: string; method: string; path: string; status: number | null; headers: unknown; body: string | null; free: boolean }>(
        `SELECT fingerprint, method, path, status, headers, body,
                (created_at < now() - $2::double precision * interval '1 millisecond' OR (status IS NULL AND lease_until < now())) AS free
         FROM ${this.s}.idempotency_keys WHERE key = $1`,
        [key, this.options.ttlMs],
      );
      const row = rows[0];
      // Gone (purged) or free again between the two statements: claim again.
      if ((!row || row.free) && attempt < 5) continue;
      if (!row) throw new Error(`idempotency key ${key} could not be claimed`);
      const held = { fingerprint: row.fingerprint, method: row.method, path: row.path };
      if (row.status === null) return { kind: 'in-progress', ...held };
      const headers = (typeof row.headers === 'string' ? JSON.parse(row.headers) : (row.headers ?? {})) as Record<string, string>;
      return { kind: 'completed', ...held, answer: { status: Number(row.status), headers, body: row.body ?? '' } };
    }
  }

  /** Keeps the answer of the request that holds the key. */
  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      `UPDATE ${this.s}.idempotency_keys SET status = $3, headers = $4::jsonb, body = $5, completed_at = now()
       WHERE key = $1 AND fingerprint = $2 AND status IS NULL`,
      [key, fingerprint, answer.status, JSON.stringify(answer.headers), answer.body],
    );
  }

  /** Frees a key whose answer is not kept: the next request with it runs. */
  async release(key: string, fingerprint: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.s}.idempotency_keys WHERE key = $1 AND fingerprint = $2 AND status IS NULL`, [key, fingerprint]);
  }

  /** Deletes the keys older than the TTL; returns how many. */
  async purgeExpired(): Promise<number> {
    this.lastPurge = Date.now();
    const { rows } = await this.db.query(
      `DELETE FROM ${this.s}.idempotency_keys WHERE created_at < now() - $1::double precision * interval '1 millisecond' RETURNING 1`,
      [this.options.ttlMs],
    );
    return rows.length;
  }

  private purgeSometimes(): void {
    if (Date.now() - this.lastPurge < this.options.purgeEveryMs) return;
    this.lastPurge = Date.now();
    this.purgeExpired().catch((error: unknown) => this.logger.warn('could not delete expired idempotency keys', { error }));
  }
}

export interface IdempotencyHookOptions {
  readonly store: IdempotencyStore;
  readonly logger?: Logger;
  /** Methods the header applies to (default POST, PUT, PATCH, DELETE); on others it is ignored. */
  readonly methods?: readonly string[];
  /** How long a duplicate waits for the same request in flight before it is answered 409 (default 10 s). */
  readonly waitMs?: number;
  /** How often a duplicate looks again when the request it waits for runs in another process (default 50 ms). */
  readonly pollMs?: number;
  /** Response headers kept with the answer (default content-type, location, bintrail-position). */
  readonly keepHeaders?: readonly string[];
}

interface Claim {
  readonly key: string;
  readonly fingerprint: string;
  readonly done: () => void;
}

/**
 * Idempotency-Key on the HTTP server, as Fastify hooks (they see every answer as sent — the handler's,
 * the ValidationPipe's 400, an exception filter's — before Nest or after it):
 *
 * - preHandler (the body is parsed): no key → nothing happens. A key is claimed with the fingerprint of
 *   (method, path, body). Already completed with the same fingerprint → the stored answer (status,
 *   body, bintrail-position) is sent again with `idempotent-replayed: true`, and the handler does not
 *   run. Held by another fingerprint → 422. Held by the same request still in flight → this one waits
 *   for it (up to `waitMs`) and then gets its answer; past that, 409 with Retry-After.
 * - onSend: the holder's answer is kept when its status is storable (2xx, 3xx, 4xx but 408/425/429);
 *   otherwise (5xx) the key is released, so a retry runs the command again.
 *
 * Call before the app's routes are registered (before `app.listen`/`app.init`).
 */
export function registerIdempotency(fastify: FastifyInstance, options: IdempotencyHookOptions): void {
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const methods = new Set((options.methods ?? ['POST', 'PUT', 'PATCH', 'DELETE']).map((m) => m.toUpperCase()));
  const waitMs = options.waitMs ?? 10_000;
  const pollMs = options.pollMs ?? 50;
  const keepHeaders = (options.keepHeaders ?? ['content-type', 'location', POSITION_HEADER]).map((h) => h.toLowerCase());
  /** Keys held by requests of this process: a duplicate here waits for the holder's answer without polling. */
  const inFlight = new Map<string, Promise<void>>();
  const claims = new WeakMap<FastifyRequest, Claim>();

  const finish = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> => {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    try {
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload == null ? '' : undefined;
      if (isStorableStatus(reply.statusCode) && body !== undefined) {
        const headers: Record<string, string> = {};
        for (const name of keepHeaders) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
        }
        await store.complete(claim.key, claim.fingerprint, { status: reply.statusCode, headers, body });
      } else {
        await store.release(claim.key, claim.fingerprint);
      }
    } catch (error) {
      logger.error('could not keep the answer of an idempotent request; its key is released', { error, idempotencyKey: claim.key });
      await store.release(claim.key, claim.fingerprint).catch(() => undefined);
    } finally {
      claim.done();
    }
  };

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!methods.has(request.method)) return;
    const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    if (!parsed.ok) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: [`Idempotency-Key ${parsed.error}`] });
    }
    if (parsed.key === undefined) return;
    const key = parsed.key;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const state = await store.claim(key, fingerprint, request.method, request.url);
      if (state.kind === 'claimed') {
        let done!: () => void;
        const settled = new Promise<void>((resolve) => (done = resolve));
        inFlight.set(key, settled);
        claims.set(request, {
          key,
          fingerprint,
          done: () => {
            if (inFlight.get(key) === settled) inFlight.delete(key);
            done();
          },
        });
        return;
      }
      if (state.fingerprint !== fingerprint) {
        return reply.code(422).send({
          statusCode: 422,
          error: 'Unprocessable Entity',
          message:
            `Idempotency-Key '${key}' was already used for a different request (${state.method} ${state.path} and its body); ` +
            'a key can only be retried with the same method, path and body: use a new key for a new request',
        });
      }
      if (state.kind === 'completed') {
        return reply.code(state.answer.status).headers({ ...state.answer.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' }).send(state.answer.body);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        return reply
          .code(409)
          .header('retry-after', '1')
          .send({
            statusCode: 409,
            error: 'Conflict',
            message: `a request with Idempotency-Key '${key}' is still in progress; retry after it has been answered`,
          });
      }
      // The holder runs here: wait for its answer. It runs in another process: look again shortly.
      await waitAtMost(inFlight.get(key), inFlight.has(key) ? remaining : Math.min(pollMs, remaining));
    }
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    await finish(request, reply, payload);
    return payload;
  });

  // A safety net: an answer that never went through onSend (a broken connection) must not hold its key for the lease.
  fastify.addHook('onResponse', async (request: FastifyRequest) => {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    await store.release(claim.key, claim.fingerprint).catch(() => undefined);
    claim.done();
  });
}

/** Resolves when `promise` does, or after `ms` (whichever is first), leaving no timer behind. */
function waitAtMost(promise: Promise<void> | undefined, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise?.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
