import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, PlatformProcess } from './testing/platform-process';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..', '..');

/** `npm run seed:demo` as a newcomer runs it, against a running platform. */
function seed(url: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(REPO_ROOT, 'tools', 'demo', 'seed-demo.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, BINTRAIL_URL: url },
    timeout: 120_000,
  });
}

describe('npm run seed:demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-seed-'));
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads two warehouses with stock and an order, and changes nothing when run again', async () => {
    const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    const url = await platform.ready();
    const { stdout } = await seed(url);
    // It returns once the order has settled: the allocation runs asynchronously, and a second run (below)
    // must find the log quiet, not still carrying the first run's allocation.
    expect(stdout).toMatch(/seeded .*DEMO-0001, [0-9a-f-]{36}: allocated\)/);

    const blue = await eventually(async () => {
      const body = (await (await fetch(`${url}/inventory/WIDGET-BLUE`)).json()) as { onHand: number; reserved: number; warehouses: { warehouse: string; onHand: number }[] };
      expect(body.reserved).toBe(30); // the demo order's line, allocated through the order/warehouse choreography
      return body;
    });
    expect(blue.onHand).toBe(145);
    expect(blue.warehouses).toEqual(expect.arrayContaining([expect.objectContaining({ warehouse: 'LON', onHand: 120 }), expect.objectContaining({ warehouse: 'MAN', onHand: 25 })]));
    const bins = (await (await fetch(`${url}/inventory/WIDGET-BLUE/bins`)).json()) as { bins: { warehouse: string; onHand: number }[] };
    expect(bins.bins.filter((b) => b.warehouse === 'LON').reduce((sum, b) => sum + b.onHand, 0)).toBe(120);

    const head = async (): Promise<number> => ((await (await fetch(`${url}/status`)).json()) as { head: number }).head;
    const before = await head();
    await seed(url);
    expect(await head()).toBe(before);
    expect(await platform.stop()).toBe(0);
  });

  it('says to start the platform when nothing answers', async () => {
    await expect(seed('http://127.0.0.1:9')).rejects.toMatchObject({ stderr: expect.stringContaining('is the platform running? start it with npm start') });
  });
});
