import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformProcess } from './testing/platform-process';


describe('HTTP conventions of the running platform (embedded)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-http-'));
  let platform: PlatformProcess;
  let url: string;

  beforeAll(async () => {
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir, BINTRAIL_READ_WAIT_MS: '2000' });
    url = await platform.ready();
  });
  afterAll(async () => {
    if (platform) expect(await platform.stop()).toBe(0);
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (sku: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${url}/items/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const head = async () => ((await (await fetch(`${url}/status`)).json()) as { head: number }).head;

  describe('read-your-writes', () => {
    it('answers a GET given the position of a PUT at once, with the new data (no polling)', async () => {
      for (let round = 1; round <= 5; round++) {
        // The item already exists from round 2 on: a stale read would show the previous description, not a 404.
        const description = `Widget, revision ${round}`;
        const written = await put('RYW-1', { description, unit: 'each' });
        expect(written.status).toBe(round === 1 ? 201 : 200);
        const position = Number(written.headers.get('bintrail-position'));
        expect(position).toBeGreaterThan(0);

        const started = Date.now();
        const read = await fetch(`${url}/items/RYW-1?minPosition=${position}`);
        expect(read.status).toBe(200);
        expect(await read.json()).toMatchObject({ sku: 'RYW-1', description, revision: round, position });
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(Number(read.headers.get('bintrail-read-position'))).toBeGreaterThanOrEqual(position);
        expect(read.headers.get('bintrail-lag')).toMatch(/^\d+$/);

        const history = await fetch(`${url}/items/RYW-1/history?minPosition=${position}`);
        expect(((await history.json()) as { changes: unknown[] }).changes).toHaveLength(round);
      }
    });

    it('holds a read asking for a position not yet written until the write has reached the read model', async () => {
      // The projection usually beats an HTTP round trip, so a read after the PUT proves little: ask first, write after.
      const next = (await head()) + 1;
      const reading = fetch(`${url}/items/RYW-LATER?minPosition=${next}`);
      await new Promise((r) => setTimeout(r, 300));
      const written = await put('RYW-LATER', { description: 'Written after the read was asked', unit: 'each' });
      expect(Number(written.headers.get('bintrail-position'))).toBeGreaterThanOrEqual(next);
      const read = await reading; // without the wait this would be a 404: the item did not exist when the GET arrived
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ sku: 'RYW-LATER', description: 'Written after the read was asked' });
    });

    it('reaches the position of an event the read model does not handle (a warehouse created, read from the item master)', async () => {
      const created = await fetch(`${url}/warehouses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'RYW-WH', name: 'Read-your-writes warehouse' }),
      });
      expect(created.status).toBe(201);
      const position = Number(created.headers.get('bintrail-position'));
      expect(position).toBeGreaterThan(0);
      const started = Date.now();
      const read = await fetch(`${url}/items/RYW-1?minPosition=${position}`);
      expect(read.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(Number(read.headers.get('bintrail-read-position'))).toBeGreaterThanOrEqual(position);
    });

    it('says how far behind every read is: bintrail-read-position and bintrail-lag, on a 404 too', async () => {
      const written = await put('RYW-2', { description: 'Lag probe', unit: 'each' });
      const position = Number(written.headers.get('bintrail-position'));
      for (const path of ['/items/RYW-2', '/items/RYW-2/history', '/items/NEVER-REGISTERED']) {
        const read = await fetch(`${url}${path}`);
        expect([200, 404]).toContain(read.status);
        const readPosition = Number(read.headers.get('bintrail-read-position'));
        const lag = Number(read.headers.get('bintrail-lag'));
        expect(read.headers.get('bintrail-read-position')).toMatch(/^\d+$/);
        expect(read.headers.get('bintrail-lag')).toMatch(/^\d+$/);
        expect(readPosition + lag).toBeGreaterThanOrEqual(position); // head >= the last write
        expect(readPosition).toBeLessThanOrEqual(await head());
      }
    });

    it('answers 503 with Retry-After and where the read model stands when minPosition is not reached in time', async () => {
      const huge = 1_000_000_000;
      const started = Date.now();
      const read = await fetch(`${url}/items/RYW-1?minPosition=${huge}`);
      const elapsed = Date.now() - started;
      expect(read.status).toBe(503);
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      expect(elapsed).toBeLessThan(3_500);
      expect(read.headers.get('retry-after')).toBe('1');
      const body = (await read.json()) as { message: string; minPosition: number; head: number; readModels: { name: string; position: number; lag: number }[] };
      const now = await head();
      expect(body).toMatchObject({ statusCode: 503, minPosition: huge, head: now, readModels: [{ name: 'inventory-items', position: now, lag: 0 }] });
      expect(body.message).toContain(`read model inventory-items is at position ${now}, behind minPosition ${huge}`);
      expect(read.headers.get('bintrail-read-position')).toBe(String(now));
    });

    it('refuses a minPosition that is not a non-negative integer with 400 naming minPosition', async () => {
      for (const bad of ['-1', 'abc', '1.5', '']) {
        const read = await fetch(`${url}/items/RYW-1?minPosition=${bad}`);
        expect(read.status).toBe(400);
        const { message } = (await read.json()) as { message: string[] };
        expect(message).toEqual([expect.stringMatching(/^minPosition must be a non-negative integer/)]);
      }
      const twice = await fetch(`${url}/items/RYW-1?minPosition=1&minPosition=2`);
      expect(twice.status).toBe(400);
    });

    it('lets minPosition through on a GET that reads no read model (it answers live)', async () => {
      const status = await fetch(`${url}/status?minPosition=1`);
      expect(status.status).toBe(200);
      expect(status.headers.get('bintrail-read-position')).toBeNull();
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a retry with the first answer (status, body, position) and appends nothing', async () => {
      const first = await put('IDEM-1', { description: 'Blue widget', unit: 'each' }, { 'idempotency-key': 'e2e-idem-1' });
      expect(first.status).toBe(201);
      const firstBody = await first.text();
      const firstPosition = first.headers.get('bintrail-position');
      // Someone changes the item in between: replaying the first command for real would change it back.
      const changed = await put('IDEM-1', { description: 'Red widget', unit: 'each' });
      expect(changed.status).toBe(200);
      const headBefore = await head();

      const retry = await put('IDEM-1', { unit: 'each', description: 'Blue widget' }, { 'idempotency-key': 'e2e-idem-1' }); // same body, keys in another order
      expect(retry.status).toBe(201);
      expect(await retry.text()).toBe(firstBody);
      expect(retry.headers.get('bintrail-position')).toBe(firstPosition);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await head()).toBe(headBefore);
      const item = (await (await fetch(`${url}/items/IDEM-1?minPosition=${headBefore}`)).json()) as { description: string };
      expect(item.description).toBe('Red widget');
    });

    it('refuses the same key for another request with 422, changing nothing', async () => {
      expect((await put('IDEM-2', { description: 'Green widget', unit: 'each' }, { 'idempotency-key': 'e2e-idem-2' })).status).toBe(201);
      const headBefore = await head();
      for (const [sku, body] of [
        ['IDEM-2', { description: 'Yellow widget', unit: 'each' }],
        ['IDEM-3', { description: 'Green widget', unit: 'each' }],
      ] as const) {
        const refused = await put(sku, body, { 'idempotency-key': 'e2e-idem-2' });
        expect(refused.status).toBe(422);
        expect(((await refused.json()) as { message: string }).message).toMatch(/was already used for a different request/);
      }
      expect(await head()).toBe(headBefore);
      expect((await fetch(`${url}/items/IDEM-3`)).status).toBe(404);
    });

    it('runs concurrent requests with the same key once: one effect, one answer for all', async () => {
      const headBefore = await head();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => put('IDEM-RACE', { description: 'Raced widget', unit: 'each' }, { 'idempotency-key': 'e2e-idem-race' })),
      );
      const seen = await Promise.all(answers.map(async (a) => `${a.status} ${a.headers.get('bintrail-position')} ${await a.text()}`));
      expect(new Set(seen).size).toBe(1);
      expect(answers[0]!.status).toBe(201);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
      expect(await head()).toBe(headBefore + 1);
    });

    it('keeps a refused request (400) under its key as well', async () => {
      const bad = { description: '', unit: 'each' };
      const first = await put('IDEM-4', bad, { 'idempotency-key': 'e2e-idem-4' });
      const again = await put('IDEM-4', bad, { 'idempotency-key': 'e2e-idem-4' });
      expect(first.status).toBe(400);
      expect(again.status).toBe(400);
      expect(await again.text()).toBe(await first.text());
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });
  });

  describe('API docs', () => {
    it('serves Swagger UI at /docs and an OpenAPI document with DTO schemas and the conventions', async () => {
      const ui = await fetch(`${url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      const document = (await (await fetch(`${url}/docs-json`)).json()) as {
        paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
        components: { schemas: Record<string, { properties: Record<string, { maxLength?: number }>; required?: string[] }> };
      };
      const item = document.paths['/items/{sku}']!;
      expect(item.put!.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));
      expect(item.get!.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'minPosition', in: 'query' })]));
      expect(document.components.schemas.DefineItemBody).toMatchObject({ properties: { description: { maxLength: 500 } }, required: ['description', 'unit'] });
    });
  });
});
