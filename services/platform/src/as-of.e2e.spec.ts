import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformProcess } from './testing/platform-process';
import { PlatformClient, type SkuStock } from './testing/scenario';

interface BinView {
  warehouse: string;
  bin: string;
  kind: string;
  units: number;
  waitingForCount?: boolean;
  skus: { sku: string; onHand: number; allocated?: number; available?: number }[];
  asOf?: { position: number; time?: string; omitted: string[] };
}
type StockAsOf = SkuStock & { asOf: { position: number; time?: string } };
interface Movement {
  globalPosition: number;
  warehouse: string;
  bin: string;
  kind: string;
  delta: number;
  balance: number;
  correlationId: string | null;
}
interface PickListView {
  unitsToPick: number;
  lines: { sku: string; toPick: { bin: string; quantity: number }[] }[];
}

/** What the live read models answered at one quiet point of the log, and where and when that was. */
interface Checkpoint {
  readonly step: string;
  readonly position: number;
  readonly time: string;
  readonly stock: SkuStock;
  readonly bins: Readonly<Record<string, BinView>>;
}

const BINS = ['DOCK', 'A-01', 'A-02', 'STAGING'] as const;

/**
 * As-of answers come from the stock ledger, not from a replay: after each step of a bin's life the live answers
 * are recorded with the log position and the time; at the end, asking "as of" each of them gives the same figures.
 */
describe('as-of queries (embedded platform)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-as-of-'));
  const runId = `AS${Date.now().toString(36).toUpperCase()}`;
  const sku = `SKU-${runId}`;
  const wh = runId;
  let client: PlatformClient;
  const checkpoints: Checkpoint[] = [];

  beforeAll(async () => {
    const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    client = new PlatformClient(await platform.ready(), `as-of-${runId}`);
  }, 90_000);
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = <T = Record<string, unknown>>(path: string, body: unknown) => client.command<T>('POST', path, body, 201);

  /** The live answers at a log head that did not move while they were read; then the time, a little before the next step. */
  async function checkpoint(step: string): Promise<void> {
    const captured = await eventually(async () => {
      const position = await client.head();
      const stock = await client.read<SkuStock>(`/inventory/${sku}`);
      const bins: Record<string, BinView> = {};
      for (const bin of BINS) bins[bin] = await client.read<BinView>(`/warehouses/${wh}/bins/${bin}`);
      expect(await client.head()).toBe(position);
      return { step, position, stock, bins };
    }, 30_000);
    await new Promise((r) => setTimeout(r, 20));
    checkpoints.push({ ...captured, time: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 20));
  }

  it('records the live answers through receive, put away, move, allocate, pick and count', async () => {
    await client.command('PUT', `/items/${sku}`, { description: `As-of widget ${runId}`, unit: 'each' }, 201);
    await post('/warehouses', { code: wh, name: 'As of' });
    for (const code of ['A-01', 'A-02']) await post(`/warehouses/${wh}/bins`, { code, zone: 'A', capacity: 100 });
    await checkpoint('nothing yet');

    await post(`/warehouses/${wh}/receipts`, { sku, quantity: 20 });
    await checkpoint('received 20');

    await post(`/warehouses/${wh}/putaways`, { sku, quantity: 12, fromBin: 'DOCK', toBin: 'A-01' });
    await checkpoint('put away 12');

    await post(`/warehouses/${wh}/moves`, { sku, quantity: 5, fromBin: 'A-01', toBin: 'A-02' });
    await checkpoint('moved 5');

    const { orderId } = (await post<{ orderId: string }>('/orders', { lines: [{ sku, quantity: 4 }], customerRef: `as-of-${runId}` })).body;
    const pickList = await eventually(async () => {
      const found = await client.read<PickListView>(`/warehouses/${wh}/pick-lists/${orderId}`);
      expect(found.unitsToPick).toBe(4);
      return found;
    }, 30_000);
    await eventually(async () => expect((await client.read<SkuStock>(`/inventory/${sku}`)).reserved).toBe(4), 30_000);
    await checkpoint('allocated 4');

    for (const { bin, quantity } of pickList.lines.flatMap((l) => l.toPick)) await post(`/warehouses/${wh}/pick-lists/${orderId}/picks`, { bin, sku, quantity });
    await eventually(async () => expect((await client.read<BinView>(`/warehouses/${wh}/bins/STAGING`)).units).toBe(4), 30_000);
    await checkpoint('picked 4');

    const inA02 = checkpoints.at(-1)!.bins['A-02']!.skus.find((s) => s.sku === sku)?.onHand ?? 0;
    await post(`/warehouses/${wh}/counts`, { bin: 'A-02', sku, countedQuantity: inA02 - 1, reason: 'damaged' });
    await checkpoint('counted one damaged');

    // The figures did move along the way (else the comparison below would prove little).
    expect(checkpoints.map((c) => [c.step, c.stock.onHand, c.stock.reserved])).toEqual([
      ['nothing yet', 0, 0],
      ['received 20', 20, 0],
      ['put away 12', 20, 0],
      ['moved 5', 20, 0],
      ['allocated 4', 20, 4],
      ['picked 4', 20, 4],
      ['counted one damaged', 19, 4],
    ]);
  }, 120_000);

  it('answers GET /inventory/:sku?asOf=<position> and ?asOf=<time> with what the live answer was then', async () => {
    for (const c of checkpoints) {
      const byPosition = await client.read<StockAsOf>(`/inventory/${sku}?asOf=${c.position}`);
      expect({ step: c.step, ...byPosition }).toEqual({ step: c.step, ...c.stock, asOf: { position: c.position } });

      const byTime = await client.read<StockAsOf>(`/inventory/${sku}?asOf=${encodeURIComponent(c.time)}`);
      const { asOf, ...figures } = byTime;
      expect({ step: c.step, ...figures }).toEqual({ step: c.step, ...c.stock });
      expect(asOf.time).toBe(c.time);
      expect(asOf.position).toBeLessThanOrEqual(c.position);
    }
  }, 60_000);

  it('answers GET /warehouses/:wh/bins/:bin?asOf= with what each bin held then, leaving out what the ledger cannot know', async () => {
    for (const c of checkpoints) {
      for (const bin of BINS) {
        const live = c.bins[bin]!;
        const wanted = { step: c.step, bin, units: live.units, skus: live.skus.map((s) => ({ sku: s.sku, onHand: s.onHand })) };
        for (const asOf of [String(c.position), encodeURIComponent(c.time)]) {
          const then = await client.read<BinView>(`/warehouses/${wh}/bins/${bin}?asOf=${asOf}`);
          expect({ step: c.step, bin, units: then.units, skus: then.skus }).toEqual(wanted);
          expect(then).not.toHaveProperty('waitingForCount');
          expect(then.asOf!.omitted).toEqual(['waitingForCount', 'skus[].allocated', 'skus[].available']);
        }
      }
    }
  }, 60_000);

  it('keeps a ledger whose running balances end at the bins of today and add up to the warehouse on-hand', async () => {
    const { movements } = await client.read<{ movements: Movement[] }>(`/inventory/${sku}/ledger`);
    expect(movements.map((m) => m.kind)).toEqual(['receipt', 'putaway-out', 'putaway-in', 'move-out', 'move-in', 'pick-out', 'pick-in', 'adjustment']);
    expect(movements.every((m) => m.correlationId !== null)).toBe(true);

    const last = new Map<string, number>();
    for (const m of movements) {
      const key = `${m.warehouse}/${m.bin}`;
      expect({ key, balance: m.balance }).toEqual({ key, balance: (last.get(key) ?? 0) + m.delta });
      last.set(key, m.balance);
    }
    const { bins } = await client.read<{ bins: { warehouse: string; bin: string; onHand: number }[] }>(`/inventory/${sku}/bins`);
    const today = Object.fromEntries(bins.map((b) => [`${b.warehouse}/${b.bin}`, b.onHand]));
    expect(Object.fromEntries([...last].filter(([, balance]) => balance !== 0))).toEqual(today);

    const totals = await client.read<SkuStock>(`/inventory/${sku}`);
    expect([...last.values()].reduce((n, b) => n + b, 0)).toBe(totals.warehouses.find((w) => w.warehouse === wh)!.onHand);

    const inA01 = await client.read<{ movements: Movement[] }>(`/inventory/${sku}/ledger?warehouse=${wh}&bin=A-01&from=${checkpoints[2]!.position + 1}&to=${checkpoints[3]!.position}`);
    expect(inA01.movements.map((m) => [m.kind, m.delta, m.balance])).toEqual([['move-out', -5, 7]]);
  }, 30_000);

  it('refuses an asOf that is neither a position nor a time, naming it', async () => {
    for (const path of [`/inventory/${sku}?asOf=yesterday`, `/warehouses/${wh}/bins/A-01?asOf=yesterday`, `/inventory/${sku}/ledger?from=soon`]) {
      const answer = await client.send<{ message: string[] }>('GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body.message.join()).toMatch(/^(asOf|from) must be a global log position/);
    }
  });

  it('rebuilds the ledger blue/green over HTTP while serving, and answers the same afterwards', async () => {
    type State = { projection: string; version: number; codeVersion: number; checkpoint: number; lag: { events: number; seconds: number }; switchedAt?: string; rebuild?: unknown };
    const listed = await client.read<State[]>('/projections');
    const ledger = listed.find((p) => p.projection === 'inventory-stock-ledger');
    expect(ledger).toMatchObject({ version: 1, codeVersion: 1 });
    expect(ledger!.lag.events).toBeGreaterThanOrEqual(0);
    const before = await client.read<{ movements: Movement[] }>(`/inventory/${sku}/ledger?warehouse=${wh}`);
    const asOfBefore = await Promise.all(checkpoints.map((c) => client.read<StockAsOf>(`/inventory/${sku}?asOf=${c.position}`)));

    expect((await client.send('POST', '/projections/no-such-projection/rebuild')).status).toBe(404);
    const requestedAt = new Date().toISOString();
    expect((await client.send('POST', '/projections/inventory-stock-ledger/rebuild')).status).toBe(202);
    // Readers keep getting complete answers during the rebuild; it ends switched, nothing left running.
    await eventually(async () => {
      expect((await client.read<{ movements: Movement[] }>(`/inventory/${sku}/ledger?warehouse=${wh}`)).movements).toEqual(before.movements);
      const now = (await client.read<State[]>('/projections')).find((p) => p.projection === 'inventory-stock-ledger')!;
      expect(now.rebuild).toBeUndefined();
      expect(now.switchedAt !== undefined && now.switchedAt > requestedAt).toBe(true); // switched after the request, not before it started
      expect(now.checkpoint).toBeGreaterThanOrEqual(ledger!.checkpoint);
    }, 60_000);
    expect((await client.read<{ movements: Movement[] }>(`/inventory/${sku}/ledger?warehouse=${wh}`)).movements).toEqual(before.movements);
    const asOfAfter = await Promise.all(checkpoints.map((c) => client.read<StockAsOf>(`/inventory/${sku}?asOf=${c.position}`)));
    expect(asOfAfter).toEqual(asOfBefore);
  });
});
