import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { LogConsumers } from '@bintrail/messaging';
import { CatalogCopy } from './catalog-copy';
import { startProjections, type RunningProjections } from './projection';

/** A service's copy of the item master and warehouses, read by commands (PGlite, the embedded engine). */
describe('a catalog copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bintrail-catalog-'));
  const copy = new CatalogCopy({ name: 'test-catalog', tablePrefix: 'test', warehouses: true });
  let store: SqlEventStore;
  let projections: RunningProjections;

  beforeAll(async () => {
    store = await openEmbeddedEventStore(dir);
    const consumers = await LogConsumers.open(store, store.db, 'bintrail');
    projections = await startProjections(store.db, consumers, 'bintrail', [copy.projection], { wake: (ms) => store.waitForAppend(ms), source: store });
  });
  afterAll(async () => {
    await projections.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reader = () => copy.reader(store.db, quoteIdent('bintrail'), projections, () => store.headPosition());

  it('knows a SKU and a warehouse registered a moment ago, and names the first unknown one', async () => {
    await store.appendToStream('item-SKU-1', [{ type: 'inventory.ItemRegistered', data: { sku: 'SKU-1', description: 'x', unit: 'each' } }]);
    await store.appendToStream('warehouse-WH2', [{ type: 'warehouse.WarehouseCreated', data: { code: 'WH2', name: 'two', bins: [] } }]);
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.WarehouseCreated', data: { code: 'WH1', name: 'one', bins: [] } }]);
    const catalog = reader();
    expect(await catalog.unknownSku(['SKU-1'])).toBeUndefined();
    expect(await catalog.unknownSku(['SKU-1', 'SKU-9', 'SKU-8'])).toBe('SKU-9');
    expect(await catalog.unknownWarehouse(['WH1', 'WH3'])).toBe('WH3');
    expect(await catalog.warehouses()).toEqual(['WH1', 'WH2']);
  });

  it('refuses an unknown SKU as soon as its running copy has read the head, not when the stored checkpoint catches up', async () => {
    // Events the copy only skips: its stored checkpoint moves lazily (at most once a second), its running one at once.
    for (let i = 0; i < 5; i++) await store.appendToStream(`other-${i}`, [{ type: 'other.Happened', data: { i } }]);
    const head = await store.headPosition();
    const deadline = Date.now() + 5_000;
    while ((projections.status.find((p) => p.projection === 'test-catalog')?.checkpoint ?? 0) < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    expect(await reader().unknownSku(['NOPE'])).toBe('NOPE');
    expect(Date.now() - started).toBeLessThan(300);
  });
});
