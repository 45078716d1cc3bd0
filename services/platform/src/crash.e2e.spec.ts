import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { eventually, PlatformProcess } from './testing/platform-process';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 20);
const WRITERS = 4;

interface Acknowledged {
  readonly sku: string;
  readonly description: string;
  readonly position: number;
}

/** Keeps WRITERS clients changing items until the platform dies; returns what it acknowledged. */
async function load(url: string, trial: number, until: Promise<unknown>, onAcknowledged: (count: number) => void): Promise<{ acknowledged: Acknowledged[]; failed: number }> {
  let dead = false;
  void until.then(() => (dead = true));
  const acknowledged: Acknowledged[] = [];
  let failed = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let n = 0; !dead; n++) {
        const sku = `SKU-${writer}-${n % 5}`;
        const description = `trial ${trial} writer ${writer} change ${n}`;
        try {
          const response = await fetch(`${url}/items/${sku}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ description, unit: 'each' }),
          });
          if (response.status === 200 || response.status === 201) {
            acknowledged.push({ sku, description, position: Number(response.headers.get('bintrail-position')) });
            onAcknowledged(acknowledged.length);
          } else {
            failed += 1;
          }
        } catch {
          failed += 1; // the process died under this request: not acknowledged, may or may not be stored
        }
      }
    }),
  );
  return { acknowledged, failed };
}

describe('the embedded platform under kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-crash-'));
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`loses nothing acknowledged and applies every event exactly once, over ${TRIALS} kills at random points`, async () => {
    const acknowledged: Acknowledged[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
      const url = await platform.ready();
      // Killed at a random moment once the platform has acknowledged a few commands: a fixed delay after
      // start killed it before it had done anything when the machine was busy (CI: 71 acknowledged in 20 trials).
      let progressed!: () => void;
      const working = Promise.race([new Promise<void>((resolve) => (progressed = resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      const killAfterMs = Math.floor(Math.random() * 900);
      const killed = working.then(() => new Promise((resolve) => setTimeout(resolve, killAfterMs))).then(() => platform.kill9());
      const result = await load(url, trial, killed, (count) => count >= 5 && progressed());
      const { signal } = await platform.exit;
      expect(signal).toBe('SIGKILL');
      acknowledged.push(...result.acknowledged);
    }
    expect(acknowledged.length).toBeGreaterThan(TRIALS * 5);

    // A last start: the read model catches up from its checkpoint.
    const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    const url = await platform.ready();
    const status = await eventually(async () => {
      const s = (await (await fetch(`${url}/status`)).json()) as { head: number; projections: { checkpoint: number; parked: number }[] };
      expect(s.projections[0]!.checkpoint).toBe(s.head);
      return s;
    }, 60_000);
    expect(status.projections[0]!.parked).toBe(0);
    expect(await platform.stop()).toBe(0);

    // Read the data folder directly: the store is the truth, the read model must match it exactly.
    const db = await PGlite.create({ dataDir });
    try {
      const events = (
        await db.query<{ global_position: string; stream_id: string; event_id: string; description: string }>(
          `SELECT global_position, stream_id, event_id, data->>'description' AS description FROM bintrail.events ORDER BY global_position`,
        )
      ).rows;
      // Positions may jump after a crash (PostgreSQL sequences skip ahead on recovery); order is what counts.
      expect(Number(events.at(-1)!.global_position)).toBe(status.head);
      const byPosition = new Map(events.map((e) => [Number(e.global_position), e]));
      for (const ack of acknowledged) {
        expect({ position: ack.position, description: byPosition.get(ack.position)?.description, stream: byPosition.get(ack.position)?.stream_id }).toEqual({
          position: ack.position,
          description: ack.description,
          stream: `inventory-item-${ack.sku}`,
        });
      }

      const streams = new Map<string, typeof events>();
      for (const e of events) streams.set(e.stream_id, [...(streams.get(e.stream_id) ?? []), e]);
      const items = (await db.query<{ sku: string; description: string; revision: number }>('SELECT sku, description, revision FROM bintrail.inventory_items')).rows;
      expect(items.length).toBe(streams.size);
      for (const item of items) {
        const history = streams.get(`inventory-item-${item.sku}`)!;
        // revision counts applications: more than the stream's events would be a duplicate, fewer a loss.
        expect({ sku: item.sku, revision: Number(item.revision), description: item.description }).toEqual({
          sku: item.sku,
          revision: history.length,
          description: history.at(-1)!.description,
        });
      }
      const changes = (await db.query<{ event_id: string }>('SELECT event_id FROM bintrail.inventory_item_changes ORDER BY position')).rows;
      expect(changes.map((c) => c.event_id)).toEqual(events.map((e) => e.event_id));
    } finally {
      await db.close();
    }
  }, 600_000);
});
