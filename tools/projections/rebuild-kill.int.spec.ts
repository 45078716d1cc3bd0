import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openPostgresEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { ledgerProjection } from '@bintrail/inventory';
import { LogConsumers } from '@bintrail/messaging';
import { rebuildProjection, shadowSchemaOf } from '@bintrail/projections';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { resolveAsOf, stockAsOf } from '../../services/inventory/src/ledger/ledger.queries';
import { AUDITED_PROJECTIONS, verifyStock } from '../audit/verify';
import { seedHistory } from '../history/seed';

const ROOT = join(__dirname, '..', '..');
const LEDGER = ledgerProjection.name;

/** `npm run projections -- rebuild <name>` as ops run it, in its own process (so that SIGKILL hits it alone). */
function rebuildProcess(schema: string): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', './tools/register.cjs', 'tools/projections/projections-main.ts', 'rebuild', LEDGER, '--batch-size', '50'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), BINTRAIL_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

describe('a rebuild killed with SIGKILL part-way (PostgreSQL)', () => {
  const schema = uniqueSchema('rbkill');
  let store: SqlEventStore;
  let head = 0;

  beforeAll(async () => {
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 });
    const to = new Date();
    await seedHistory(store, { events: 20_000, warehouses: 3, seed: 7, from: new Date(to.getTime() - 180 * 24 * 3_600_000), to });
    head = await store.headPosition();
    // Version 1 of the audited projections, built from scratch and live: the ledger's must keep answering.
    await LogConsumers.open(store, store.db, schema);
    for (const projection of AUDITED_PROJECTIONS) await rebuildProjection(store, schema, projection, { batchSize: 2_000 });
  }, 180_000);
  afterAll(async () => {
    await store.close();
    await dropSchema(testDatabaseUrl(), shadowSchemaOf(schema, LEDGER));
    await dropSchema(testDatabaseUrl(), schema);
  });

  it('leaves the old version answering, whole, throughout; the rerun resumes and its result equals a from-scratch replay row by row', async () => {
    const s = quoteIdent(schema);
    const { rows: sample } = await store.db.query<{ sku: string }>(`SELECT sku FROM ${s}.inventory_stock_ledger_keys ORDER BY sku LIMIT 1`);
    const sku = sample[0]!.sku;
    const middle = { time: new Date(Date.now() - 90 * 24 * 3_600_000) };
    /** What a reader sees of the live ledger: its size and balances with the checkpoint (one snapshot), and an as-of answer. */
    const look = async () => {
      const { rows } = await store.db.query<{ n: string; total: string; checkpoint: string }>(
        `SELECT (SELECT count(*) FROM ${s}.inventory_stock_ledger) AS n, (SELECT sum(balance) FROM ${s}.inventory_stock_ledger) AS total,
                (SELECT position FROM ${s}.consumer_checkpoints WHERE group_id = $1) AS checkpoint`,
        [`projection:${LEDGER}`],
      );
      const { position } = await resolveAsOf(store.db, s, middle);
      return JSON.stringify({ ...rows[0], position, asOf: await stockAsOf(store.db, s, sku, position) });
    };
    const before = await look();
    expect(JSON.parse(before)).toMatchObject({ checkpoint: String(head) });

    // Readers query the live version all along; the log does not change, so every answer must be the same whole one.
    const seen = new Map<string, number>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const answer = await look();
        seen.set(answer, (seen.get(answer) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const first = rebuildProcess(schema);
    let killedAt = 0;
    for (const deadline = Date.now() + 120_000; ; ) {
      const { rows } = await store.db.query<{ position: string }>(`SELECT position FROM ${s}.projection_rebuilds WHERE name = $1`, [LEDGER]);
      const position = Number(rows[0]?.position ?? 0);
      if (position > head / 4) {
        first.child.kill('SIGKILL');
        killedAt = position;
        break;
      }
      if (Date.now() > deadline) throw new Error(`the rebuild did not get a quarter of the way: ${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await first.exit).toBeNull(); // killed by the signal, not exited
    expect(killedAt).toBeLessThan(head);
    // Half a version lies in the shadow schema, the old one still serves.
    const { rows: left } = await store.db.query<{ position: string }>(`SELECT position FROM ${s}.projection_rebuilds WHERE name = $1`, [LEDGER]);
    expect(Number(left[0]!.position)).toBeGreaterThanOrEqual(killedAt);
    expect(Number(left[0]!.position)).toBeLessThan(head);
    expect(await look()).toBe(before);

    // The rerun: the same command in a new process. The dead runner's lease (30 s without a heartbeat) has to
    // expire first; until then the command refuses (exit 1, "in progress"), as an operator would see it.
    let second = rebuildProcess(schema);
    let refusals = 0;
    for (const deadline = Date.now() + 90_000; (await second.exit) !== 0; ) {
      expect(second.output()).toMatch(/is already running/);
      refusals += 1;
      if (Date.now() > deadline) throw new Error(`the rerun never got the lease: ${second.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      second = rebuildProcess(schema);
    }
    expect(refusals).toBeGreaterThan(0); // the lease held while the dead runner's heartbeat was fresh
    expect(second.output()).toMatch(new RegExp(`${LEDGER}: version 1 live at checkpoint ${head} \\(\\d+ events, resumed at \\d+\\)`));
    const resumedAt = Number(/resumed at (\d+)/.exec(second.output())![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(killedAt);

    reading = false;
    await reader;
    // Every read, before, during and after both runs and the switch, saw the one complete answer.
    expect([...seen.keys()]).toEqual([before]);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    expect((await store.db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [shadowSchemaOf(schema, LEDGER)])).rows).toEqual([]);

    // Row by row against a from-scratch replay of the whole log (what `npm run audit -- verify` does).
    const report = await verifyStock(store, schema, { batchSize: 2_000 });
    const ledgerTables = report.tables.filter((t) => t.table.startsWith('inventory_stock_ledger') || t.table.startsWith('inventory_figure_ledger'));
    expect(ledgerTables).toHaveLength(4);
    for (const t of ledgerTables) expect(t).toEqual({ table: t.table, liveRows: t.replayedRows, replayedRows: t.replayedRows, differences: 0 });
    expect(ledgerTables.find((t) => t.table === 'inventory_stock_ledger')!.liveRows).toBeGreaterThan(1_000);
    expect(report.differences.filter((d) => d.table.includes('ledger'))).toEqual([]);
  }, 300_000);
});
