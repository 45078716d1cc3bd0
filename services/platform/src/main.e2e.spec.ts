import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformProcess } from './testing/platform-process';

describe('npm start (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-platform-'));
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes a command over HTTP, carries its event through the log to the read model, and keeps it across a restart', async () => {
    const first = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    const url = await first.ready();
    expect(first.records.map((r) => r.message)).toContain(`event store: embedded PostgreSQL (PGlite), data in ${dataDir}`);

    const put = await fetch(`${url}/items/SKU-E2E`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'e2e-corr-1' },
      body: JSON.stringify({ description: 'Blue widget', unit: 'each' }),
    });
    expect(put.status).toBe(201);
    const position = Number(put.headers.get('bintrail-position'));
    expect(position).toBeGreaterThan(0);

    // The read model is fed by a consumer group reading the store's log: the event must arrive there.
    const item = await eventually(async () => {
      const response = await fetch(`${url}/items/SKU-E2E`);
      expect(response.status).toBe(200);
      return (await response.json()) as { description: string; revision: number; position: number };
    });
    expect(item).toMatchObject({ description: 'Blue widget', revision: 1, position });
    const history = (await (await fetch(`${url}/items/SKU-E2E/history`)).json()) as { changes: { correlationId: string; actor: string }[] };
    expect(history.changes).toEqual([expect.objectContaining({ correlationId: 'e2e-corr-1', actor: 'api' })]);
    const status = (await (await fetch(`${url}/status`)).json()) as { head: number; projections: { checkpoint: number; lag: number }[] };
    expect(status.head).toBe(position);
    expect(status.projections).toEqual(
      expect.arrayContaining([expect.objectContaining({ groupId: 'projection:inventory-items', checkpoint: position, lag: 0, parked: 0 })]),
    );
    // Every read model has read past the event, whether or not it folds that type.
    for (const projection of status.projections) expect(projection).toMatchObject({ checkpoint: position, lag: 0, parked: 0 });

    expect(await first.stop()).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.records.every((r) => r.service === 'platform')).toBe(true);

    const second = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    const again = await second.ready();
    const kept = (await (await fetch(`${again}/items/SKU-E2E`)).json()) as { revision: number };
    expect(kept.revision).toBe(1);
    expect(await second.stop()).toBe(0);
  });

  it('answers bad input with 400 naming the field, an unknown SKU with 404, an oversized body with 413', async () => {
    const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    const url = await platform.ready();
    const put = (sku: string, body: string) => fetch(`${url}/items/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });

    const missing = await put('SKU-2', JSON.stringify({ unit: 'each', colour: 'blue' }));
    expect(missing.status).toBe(400);
    const { message } = (await missing.json()) as { message: string[] };
    expect(message).toEqual(expect.arrayContaining(['property colour should not exist', expect.stringMatching(/^description /)]));
    expect((await put('bad%20sku', JSON.stringify({ description: 'x', unit: 'each' }))).status).toBe(400);
    expect((await fetch(`${url}/items/NEVER-REGISTERED`)).status).toBe(404);
    expect((await put('SKU-3', JSON.stringify({ description: 'x'.repeat(300_000), unit: 'each' }))).status).toBe(413);
    const status = (await (await fetch(`${url}/status`)).json()) as { head: number };
    expect(status.head).toBe(1); // only the first test's event: no bad request left a partial effect
    expect(await platform.stop()).toBe(0);
  });

  it('refuses to start with a message naming the missing variable', async () => {
    const platform = new PlatformProcess({ BINTRAIL_MODE: 'distributed', DATABASE_URL: '' });
    const { code } = await platform.exit;
    expect(code).toBe(1);
    expect(platform.stderr).toContain('DATABASE_URL is required when BINTRAIL_MODE=distributed');
  });
});
