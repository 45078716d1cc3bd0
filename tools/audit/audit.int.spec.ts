import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openEmbeddedEventStore, openPostgresEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { inventoryProjections } from '@bintrail/inventory';
import { LogConsumers } from '@bintrail/messaging';
import { startProjections } from '@bintrail/projections';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { decideWarehouse, evolveWarehouse, initialWarehouseState, warehouseProjections, type WarehouseCommand, type WarehouseState } from '@bintrail/warehouse';
import { EXIT, runAudit } from './audit-main';
import { AUDITED_PROJECTIONS } from './verify';

const ROOT = join(__dirname, '..', '..');
const hour = (h: number) => new Date(Date.UTC(2026, 2, 1, h));

/** A warehouse's history, decided by its own domain and appended as the platform would; the real projections fold it. */
async function seedHistory(store: SqlEventStore, schema: string): Promise<void> {
  let state: WarehouseState = initialWarehouseState;
  const commands: [WarehouseCommand, string][] = [
    [{ type: 'CreateWarehouse', code: 'WH1', name: 'Main' }, 'setup'],
    [{ type: 'AddBin', code: 'A-01' }, 'setup'],
    [{ type: 'AddBin', code: 'B-01' }, 'setup'],
    [{ type: 'ReceiveStock', receiptId: 'R1', sku: 'SKU-1', quantity: 10 }, 'receipt-R1'],
    [{ type: 'PutAway', sku: 'SKU-1', quantity: 6, fromBin: 'DOCK', toBin: 'A-01' }, 'putaway-1'], // 05:00
    [{ type: 'MoveStock', sku: 'SKU-1', quantity: 2, fromBin: 'A-01', toBin: 'B-01' }, 'move-1'], // 06:00
    [{ type: 'CountBin', countId: 'C1', bin: 'A-01', sku: 'SKU-1', countedQuantity: 3, reason: 'damaged' }, 'count-C1'], // 07:00
    [{ type: 'ReceiveStock', receiptId: 'R2', sku: 'SKU-2', quantity: 5 }, 'receipt-R2'],
    [{ type: 'AllocateStock', sku: 'SKU-1', quantity: 2, orderId: 'O1', lineId: 'L1' }, 'order-O1'],
  ];
  for (const [i, [command, correlationId]] of commands.entries()) {
    const events = decideWarehouse(command, state);
    state = events.reduce(evolveWarehouse, state);
    await store.appendToStream(
      'warehouse-WH1',
      events.map((e) => ({ ...e, occurredAt: hour(i + 1), metadata: { correlationId, actor: 'clerk-7' } })),
    );
  }
  const consumers = await LogConsumers.open(store, store.db, schema);
  const running = await startProjections(store.db, consumers, schema, [...inventoryProjections, ...warehouseProjections]);
  const head = await store.headPosition();
  const caughtUp = async () => {
    const { rows } = await store.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.consumer_checkpoints WHERE group_id = ANY($1::text[]) AND position >= $2`, [
      AUDITED_PROJECTIONS.map((p) => `projection:${p.name}`),
      head,
    ]);
    return Number(rows[0]!.n) === AUDITED_PROJECTIONS.length;
  };
  for (const deadline = Date.now() + 30_000; !(await caughtUp()); ) {
    if (Date.now() > deadline) throw new Error('the projections did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await running.stop();
}

describe('npm run audit (PostgreSQL)', () => {
  const schema = uniqueSchema('audit');
  let store: SqlEventStore;
  const env = () => ({ DATABASE_URL: testDatabaseUrl(), BINTRAIL_SCHEMA: schema });
  const audit = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runAudit(argv, env(), (t) => void (stdout += t), (t) => void (stderr += t));
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 });
    await seedHistory(store, schema);
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(testDatabaseUrl(), schema);
  });

  it('verify: the live tables agree with the replayed history, and the scratch schema is gone', async () => {
    const { code, stdout, stderr } = await audit('verify');
    expect(stdout).toContain('all agree');
    expect(code).toBe(EXIT.agrees);
    expect(stderr).toMatch(/replay: (\d+)\/\1 events/); // not a terminal: plain progress lines
    const { rows } = await store.db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${schema}_rebuild_audit%`]);
    expect(rows).toEqual([]);
  });

  it('history: the SKU ledger as CSV and JSON, filtered by bin and bounds', async () => {
    const { code, stdout } = await audit('history', '--sku', 'SKU-1', '--format', 'csv');
    expect(code).toBe(EXIT.agrees);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('position,time,type,warehouse,bin,delta,balance,correlation id,actor,event id');
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 9))).toEqual([
      ['warehouse.StockReceived', 'WH1', 'DOCK', '10', '10', 'receipt-R1', 'clerk-7'],
      ['warehouse.StockPutAway', 'WH1', 'DOCK', '-6', '4', 'putaway-1', 'clerk-7'],
      ['warehouse.StockPutAway', 'WH1', 'A-01', '6', '6', 'putaway-1', 'clerk-7'],
      ['warehouse.StockMoved', 'WH1', 'A-01', '-2', '4', 'move-1', 'clerk-7'],
      ['warehouse.StockMoved', 'WH1', 'B-01', '2', '2', 'move-1', 'clerk-7'],
      ['warehouse.StockAdjusted', 'WH1', 'A-01', '-1', '3', 'count-C1', 'clerk-7'],
    ]);
    const json = JSON.parse((await audit('history', '--sku', 'SKU-1', '--bin', 'A-01', '--from', hour(6).toISOString(), '--format', 'json')).stdout);
    expect(json.movements.map((m: { delta: number }) => m.delta)).toEqual([-2, -1]);
  });

  it('explain: the quantity of a bin at a past time and the movements that made it', async () => {
    const at = new Date(hour(5).getTime() + 30 * 60_000).toISOString(); // after the put-away, before the move
    const { code, stdout } = await audit('explain', '--warehouse', 'WH1', '--bin', 'A-01', '--sku', 'SKU-1', '--at', at, '--format', 'json');
    expect(code).toBe(EXIT.agrees);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({ sku: 'SKU-1', warehouse: 'WH1', bin: 'A-01', quantity: 6, asOf: { time: at } });
    expect(answer.movements).toEqual([expect.objectContaining({ type: 'warehouse.StockPutAway', delta: 6, balance: 6, correlationId: 'putaway-1', actor: 'clerk-7' })]);

    const now = await audit('explain', '--warehouse', 'WH1', '--bin', 'A-01', '--sku', 'SKU-1');
    expect(now.code).toBe(EXIT.agrees);
    expect(now.stdout).toContain('3 units of SKU-1 in bin A-01 of WH1');
    expect(now.stdout).toContain('count-C1');
  });

  it('exits 2 when it cannot run: bad arguments, an unknown SKU, no database', async () => {
    expect((await audit('history')).code).toBe(EXIT.cannotRun);
    expect((await audit('history', '--sku', 'SKU-1', '--format', 'xml')).code).toBe(EXIT.cannotRun);
    expect((await audit('explain', '--sku', 'SKU-1', '--bin', 'A-01')).stderr).toContain('--warehouse is required');
    expect((await audit('explain', '--warehouse', 'WH1', '--bin', 'A-01', '--sku', 'SKU-1', '--at', 'yesterday')).code).toBe(EXIT.cannotRun);
    expect((await audit('verify', '--bogus')).code).toBe(EXIT.cannotRun);
    expect((await audit('audit-everything')).code).toBe(EXIT.cannotRun);
    const unknown = await audit('explain', '--warehouse', 'WH1', '--bin', 'A-01', '--sku', 'NO-SUCH-SKU');
    expect(unknown).toMatchObject({ code: EXIT.cannotRun, stderr: expect.stringContaining("unknown SKU 'NO-SUCH-SKU'") });
    let stderr = '';
    expect(await runAudit(['verify'], {}, () => undefined, (t) => void (stderr += t))).toBe(EXIT.cannotRun);
    expect(stderr).toContain('DATABASE_URL');
    expect(await runAudit(['verify'], { ...env(), BINTRAIL_SCHEMA: 'no_such_schema' }, () => undefined, () => undefined)).toBe(EXIT.cannotRun);
  });

  it('verify: a corrupted bin row is drift (exit 1) naming the table, SKU, bin and both numbers', async () => {
    await store.db.query(`UPDATE ${quoteIdent(schema)}.inventory_bin_stock SET on_hand = on_hand + 1 WHERE sku = 'SKU-1' AND warehouse = 'WH1' AND bin = 'A-01'`);
    const { code, stdout } = await audit('verify');
    expect(code).toBe(EXIT.drift);
    expect(stdout).toMatch(/inventory_bin_stock\s+sku=SKU-1 warehouse=WH1 bin=A-01\s+on_hand\s+4\s+3/);
    expect(stdout).toContain('on hand 3 in warehouse_bin_stock, 4 in inventory_bin_stock'); // the two services now disagree on the bin
    expect(stdout).toContain('DRIFT');

    // The same through the `bintrail` command npm install links (what an ops script calls), as JSON: one object, exit status 1.
    const cli = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'bintrail'), ['audit', 'verify', '--format', 'json'], {
      cwd: ROOT,
      env: { ...process.env, ...env() },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(cli.code).toBe(EXIT.drift);
    const report = JSON.parse(cli.stdout);
    expect(report.agrees).toBe(false);
    expect(report.differences).toEqual([
      { table: 'inventory_bin_stock', key: { sku: 'SKU-1', warehouse: 'WH1', bin: 'A-01' }, problem: 'differs', columns: [{ column: 'on_hand', live: 4, replayed: 3 }] },
    ]);
    expect(report.invariants.map((v: { check: string }) => v.check)).toEqual([
      'bins sum to the warehouse total (inventory_bin_stock vs inventory_stock)',
      'warehouse and inventory agree per bin (warehouse_bin_stock vs inventory_bin_stock)',
    ]);
  });
});

/** The embedded form: the data folder the platform left behind (stopped), audited in place. */
describe('npm run audit (embedded data folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bintrail-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies and explains from BINTRAIL_DATA_DIR', async () => {
    const store = await openEmbeddedEventStore(dir);
    await seedHistory(store, 'bintrail');
    await store.close();
    let stdout = '';
    expect(await runAudit(['verify'], { BINTRAIL_DATA_DIR: dir }, (t) => void (stdout += t), () => undefined)).toBe(EXIT.agrees);
    expect(stdout).toContain('all agree');
    stdout = '';
    const explain = ['explain', '--warehouse', 'WH1', '--bin', 'B-01', '--sku', 'SKU-1', '--at', '2026-03-01T06:30:00Z'];
    expect(await runAudit(explain, { BINTRAIL_DATA_DIR: dir }, (t) => void (stdout += t), () => undefined)).toBe(EXIT.agrees);
    expect(stdout).toMatch(/^2 units of SKU-1 in bin B-01 of WH1 as of position \d+ \(2026-03-01T06:30:00.000Z\), from these movements:\n/);
    expect(await runAudit(['verify'], { BINTRAIL_DATA_DIR: join(dir, 'missing') }, () => undefined, () => undefined)).toBe(EXIT.cannotRun);
  });
});
