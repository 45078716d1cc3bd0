import Fastify, { type FastifyInstance } from 'fastify';
import { openEmbeddedEventStore, postgresDatabase, type SqlDatabase } from '@bintrail/event-store';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { POSITION_HEADER } from './http';
import { IdempotencyStore, registerIdempotency, requestFingerprint, type IdempotencyHookOptions, type IdempotencyStoreOptions } from './idempotency';

interface Target {
  readonly db: SqlDatabase;
  readonly schema: string;
  close(): Promise<void>;
}

const targets: [string, () => Promise<Target>][] = [
  [
    'PostgreSQL',
    async () => {
      const schema = uniqueSchema('idem');
      const db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
      return {
        db,
        schema,
        close: async () => {
          await db.close();
          await dropSchema(testDatabaseUrl(), schema);
        },
      };
    },
  ],
  [
    'PGlite',
    async () => {
      const store = await openEmbeddedEventStore(undefined, { schema: 'bintrail' });
      return { db: store.db, schema: 'bintrail', close: () => store.close() };
    },
  ],
];

describe.each(targets)('Idempotency-Key on Fastify (%s)', (_name, openTarget) => {
  let target: Target;
  const apps: FastifyInstance[] = [];
  /** How many times each route's handler really ran. */
  let runs: Record<string, number>;

  beforeAll(async () => {
    target = await openTarget();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await target.close();
  });
  beforeEach(() => {
    runs = { count: 0, refuse: 0, crash: 0 };
  });

  /** A server whose command handlers count their runs; `/count` answers with a position like a real command. */
  async function server(storeOptions: IdempotencyStoreOptions = {}, hookOptions: Partial<IdempotencyHookOptions> = {}) {
    const store = await IdempotencyStore.open(target.db, target.schema, storeOptions);
    const app = Fastify();
    registerIdempotency(app, { store, ...hookOptions });
    app.post('/count', async (request, reply) => {
      const { delayMs = 0 } = (request.body ?? {}) as { delayMs?: number };
      await new Promise((r) => setTimeout(r, delayMs));
      runs.count += 1;
      reply.header(POSITION_HEADER, String(100 + runs.count)).code(201);
      return { run: runs.count, body: request.body };
    });
    app.put('/count', async () => ({ put: true }));
    app.post('/refuse', async (_request, reply) => {
      runs.refuse += 1;
      return reply.code(409).send({ statusCode: 409, code: 'InsufficientStock', message: `refused on run ${runs.refuse}` });
    });
    app.post('/crash', async (_request, reply) => {
      runs.crash += 1;
      if (runs.crash === 1) throw new Error('database went away');
      return reply.code(201).send({ run: runs.crash });
    });
    await app.ready();
    apps.push(app);
    return { app, store };
  }

  const post = (app: FastifyInstance, url: string, key: string | undefined, payload: object = {}) =>
    app.inject({ method: 'POST', url, payload, headers: key === undefined ? {} : { 'idempotency-key': key } });

  it('answers a retry with the stored answer (status, body, position) without running the handler again', async () => {
    const { app } = await server();
    const key = `k-${Date.now()}-same`;
    const first = await post(app, '/count', key, { sku: 'A' });
    const again = await post(app, '/count', key, { sku: 'A' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers[POSITION_HEADER]).toBe(first.headers[POSITION_HEADER]);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(runs.count).toBe(1);
    // Without a key nothing is remembered.
    await post(app, '/count', undefined, { sku: 'A' });
    await post(app, '/count', undefined, { sku: 'A' });
    expect(runs.count).toBe(3);
  });

  it('refuses the key with 422 for another body, path or method, and runs nothing', async () => {
    const { app } = await server();
    const key = `k-${Date.now()}-other`;
    expect((await post(app, '/count', key, { sku: 'A' })).statusCode).toBe(201);
    for (const other of [
      () => post(app, '/count', key, { sku: 'B' }),
      () => post(app, '/refuse', key, { sku: 'A' }),
      () => app.inject({ method: 'PUT', url: '/count', payload: { sku: 'A' }, headers: { 'idempotency-key': key } }),
    ]) {
      const refused = await other();
      expect(refused.statusCode).toBe(422);
      expect(refused.json().message).toMatch(/Idempotency-Key '.*' was already used for a different request \(POST \/count/);
    }
    expect(runs).toEqual({ count: 1, refuse: 0, crash: 0 });
  });

  it('runs concurrent requests with one key once: the others wait for it and get its answer', async () => {
    const { app } = await server();
    const key = `k-${Date.now()}-race`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(app, '/count', key, { sku: 'A', delayMs: 100 })));
    expect(runs.count).toBe(1);
    expect(new Set(answers.map((a) => `${a.statusCode} ${a.headers[POSITION_HEADER]} ${a.body}`)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
  });

  it('also waits for a holder in another process (polling the table), then answers 409 with Retry-After past its bound', async () => {
    const { app, store } = await server({ leaseMs: 60_000 }, { waitMs: 300, pollMs: 20 });
    const key = `k-${Date.now()}-elsewhere`;
    // Another process holds the key: claimed in the table, nothing in this process's memory.
    expect(await store.claim(key, requestFingerprint('POST', '/count', { sku: 'A' }), 'POST', '/count')).toEqual({ kind: 'claimed' });
    const started = Date.now();
    const busy = await post(app, '/count', key, { sku: 'A' });
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json().message).toMatch(/still in progress/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    // The other process answers: the waiting retry gets that answer.
    const waiting = post(app, '/count', key, { sku: 'A' });
    await new Promise((r) => setTimeout(r, 60));
    await store.complete(key, requestFingerprint('POST', '/count', { sku: 'A' }), { status: 201, headers: { [POSITION_HEADER]: '7' }, body: '{"from":"elsewhere"}' });
    const answered = await waiting;
    expect(answered.statusCode).toBe(201);
    expect(answered.body).toBe('{"from":"elsewhere"}');
    expect(answered.headers[POSITION_HEADER]).toBe('7');
    expect(runs.count).toBe(0);
  });

  it('takes over a key whose holder died (its lease ran out)', async () => {
    const { app, store } = await server({ leaseMs: 200 }, { waitMs: 2_000, pollMs: 20 });
    const key = `k-${Date.now()}-dead`;
    await store.claim(key, requestFingerprint('POST', '/count', {}), 'POST', '/count');
    const answer = await post(app, '/count', key, {});
    expect(answer.statusCode).toBe(201);
    expect(runs.count).toBe(1);
  });

  it('keeps a refusal (4xx) like a success, and forgets a server error (5xx) so that a retry runs', async () => {
    const { app } = await server();
    const refusedKey = `k-${Date.now()}-refused`;
    const refused = await post(app, '/refuse', refusedKey);
    const refusedAgain = await post(app, '/refuse', refusedKey);
    expect(refused.statusCode).toBe(409);
    expect(refusedAgain.statusCode).toBe(409);
    expect(refusedAgain.body).toBe(refused.body);
    expect(runs.refuse).toBe(1);

    const crashKey = `k-${Date.now()}-crash`;
    expect((await post(app, '/crash', crashKey)).statusCode).toBe(500);
    const retried = await post(app, '/crash', crashKey);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect((await post(app, '/crash', crashKey)).headers['idempotent-replayed']).toBe('true');
    expect(runs.crash).toBe(2);
  });

  it('refuses a key that is empty or longer than 200 characters with 400 naming Idempotency-Key', async () => {
    const { app } = await server();
    for (const key of ['', 'x'.repeat(201)]) {
      const answer = await post(app, '/count', key);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().message).toEqual([expect.stringMatching(/^Idempotency-Key must be 1-200 characters/)]);
    }
    expect((await post(app, '/count', 'x'.repeat(200))).statusCode).toBe(201);
    expect(runs.count).toBe(1);
  });

  it('forgets keys after their lifetime: the key is free again and old rows are deleted', async () => {
    const { app, store } = await server({ ttlMs: 200 });
    const key = `k-${Date.now()}-old`;
    expect((await post(app, '/count', key, { sku: 'A' })).statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    const reused = await post(app, '/count', key, { sku: 'B' });
    expect(reused.statusCode).toBe(201);
    expect(runs.count).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    const { rows } = await target.db.query(`SELECT 1 FROM "${target.schema}".idempotency_keys WHERE key = $1`, [key]);
    expect(rows).toHaveLength(0);
  });
});
