import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from './database';

/** What every SqlDatabase does with transactions, on the test PostgreSQL server and on PGlite (a data folder). */
describe.each([['postgres'], ['pglite']] as const)('SQL database on %s: transactions', (kind) => {
  let db: SqlDatabase;
  let cleanup: () => Promise<void>;
  let t: string;

  beforeEach(async () => {
    if (kind === 'postgres') {
      const schema = uniqueSchema('db');
      db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
      cleanup = async () => {
        await db.close();
        await dropSchema(testDatabaseUrl(), schema);
      };
      await db.exec(`CREATE SCHEMA ${schema}`);
      t = `${schema}.t`;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'bintrail-db-'));
      db = pgliteDatabase(await PGlite.create({ dataDir: dir }));
      cleanup = async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      };
      t = 'public.t';
    }
    await db.exec(`CREATE TABLE ${t} (k text PRIMARY KEY, v integer NOT NULL)`);
  });
  afterEach(async () => cleanup());

  const rows = async () => (await db.query<{ k: string; v: number }>(`SELECT k, v FROM ${t} ORDER BY k`, [])).rows.map((r) => `${r.k}=${r.v}`);

  it('keeps every statement of a committed transaction, parameterised or not, and returns what the work returned', async () => {
    const answer = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['a', 1]);
      await tx.exec(`INSERT INTO ${t} (k, v) VALUES ('b', 2); UPDATE ${t} SET v = v + 10 WHERE k = 'a'`);
      const { rows: seen } = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
      return Number(seen[0]!.n);
    });
    expect(answer).toBe(2);
    expect(await rows()).toEqual(['a=11', 'b=2']);
  });

  it('keeps nothing of a transaction whose work throws, and the database goes on', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['a', 1]);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['b', 1]);
        await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['b', 2]); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    await db.transaction(async (tx) => tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['c', 3]));
    expect(await rows()).toEqual(['c=3']);
  });

  it('refuses to report as committed a transaction in which a statement failed, even if the work caught the error', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['a', 1]);
        await tx.query(`INSERT INTO ${t} (k, v) VALUES ($1, $2)`, ['a', 2]).catch(() => undefined);
        return 'done';
      }),
    ).rejects.toThrow();
    expect(await rows()).toEqual([]);
  });

  it('runs a transaction that issues no statement, and returns its result', async () => {
    await expect(db.transaction(async () => 42)).resolves.toBe(42);
    expect(await rows()).toEqual([]);
  });
});

describe('SQL database on PGlite: cost of a transaction', () => {
  it('sends BEGIN with the first statement and COMMIT in one call: a consumer batch of three statements is four calls into PostgreSQL', async () => {
    const pg = await PGlite.create();
    const db = pgliteDatabase(pg);
    await db.exec('CREATE TABLE t (k text PRIMARY KEY, v integer NOT NULL)');
    const batch = () =>
      db.transaction(async (tx) => {
        await tx.query('SELECT v FROM t WHERE k = ANY($1::text[])', [['a', 'b']]);
        await tx.query('INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = t.v + excluded.v', ['a', 1]);
        await tx.query('UPDATE t SET v = v WHERE k = $1 RETURNING 1', ['a']);
      });
    await batch(); // prepares the three statements
    const execProtocolStream = pg.execProtocolStream.bind(pg);
    let calls = 0;
    pg.execProtocolStream = async (...args) => {
      calls += 1;
      return execProtocolStream(...args);
    };
    await batch();
    expect(calls).toBe(4); // PGlite's own transaction: 2 for BEGIN, one per statement, 2 for COMMIT
    expect((await db.query<{ v: number }>('SELECT v FROM t WHERE k = $1', ['a'])).rows).toEqual([{ v: 2 }]);
    await db.close();
  });
});

describe('SQL database on PGlite: cost of a statement', () => {
  it('runs a statement with or without parameters in one call into PostgreSQL once it has been prepared', async () => {
    const pg = await PGlite.create();
    const db = pgliteDatabase(pg);
    await db.exec('CREATE TABLE w (code text PRIMARY KEY)');
    await db.query('INSERT INTO w (code) VALUES ($1), ($2)', ['WH2', 'WH1']);
    const list = () => db.query<{ code: string }>('SELECT code FROM w ORDER BY code');
    await list(); // prepares it
    const execProtocolRawSync = pg.execProtocolRawSync.bind(pg);
    let calls = 0;
    pg.execProtocolRawSync = (message) => {
      calls += 1;
      return execProtocolRawSync(message);
    };
    expect((await list()).rows).toEqual([{ code: 'WH1' }, { code: 'WH2' }]);
    expect(calls).toBe(1); // PGlite's own query: parse, describe, bind, execute in calls of their own
    expect((await db.query('SELECT count(*)::int AS n FROM w WHERE code = $1', ['WH1'])).rows).toEqual([{ n: 1 }]);
    calls = 0;
    await db.query('SELECT count(*)::int AS n FROM w WHERE code = $1', ['WH2']);
    expect(calls).toBe(1);
    await db.close();
  });
});

describe('SQL database on PGlite: planning', () => {
  it('plans a prepared statement once, whatever its parameters: a read model\'s keyed read is not planned anew on each call', async () => {
    const db = pgliteDatabase(await PGlite.create());
    await db.exec('CREATE TABLE stock (sku text, warehouse text, on_hand integer, PRIMARY KEY (sku, warehouse))');
    await db.query('INSERT INTO stock VALUES ($1, $2, $3), ($4, $5, $6)', ['A', 'WH1', 5, 'B', 'WH1', 7]);
    // A projection's batch read: the rows of the keys its events touch.
    const read = 'SELECT s.sku, s.on_hand FROM unnest($1::text[], $2::text[]) AS k(sku, warehouse) JOIN stock s ON s.sku = k.sku AND s.warehouse = k.warehouse';
    for (let i = 0; i < 10; i++) {
      const { rows } = await db.query<{ sku: string; on_hand: number }>(read, [i % 2 ? ['A'] : ['A', 'B'], i % 2 ? ['WH1'] : ['WH1', 'WH1']]);
      expect(rows.map((r) => `${r.sku}=${r.on_hand}`).sort()).toEqual(i % 2 ? ['A=5'] : ['A=5', 'B=7']);
    }
    const { rows } = await db.query<{ generic_plans: number; custom_plans: number }>(
      'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1',
      [read],
    );
    // Left to choose, PostgreSQL planned it for each call's parameters: 10 custom plans.
    expect(rows).toEqual([{ generic_plans: 10, custom_plans: 0 }]);
    await db.close();
  });
});
