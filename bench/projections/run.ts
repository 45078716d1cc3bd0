/**
 * Projections bench, one run on PostgreSQL:
 *   1. seed   — a history of N events through the domain (tools/history, as `npm run seed:history`), or reuse one;
 *   2. read   — baseline: the global log read in pages of BENCH_BATCH (1,000) as a projection reads it (events/s);
 *   3. rebuild— each core projection (inventory-stock, warehouse-bin-stock, inventory-stock-ledger) rebuilt from
 *               position 0 by the blue/green machinery (libs/projections rebuild.ts): events/s, ratio to the read;
 *   4. as-of  — backdated reads through the real query code: GET /inventory/:sku?asOf=<time> (ledger.queries.ts
 *               resolveAsOf + stockAsOf) and GET /warehouses/:wh/bins/:bin?asOf=<time> (bins.controller.ts binAsOf),
 *               random SKUs / bins that the ledger knows and random times of the history: p50/p99 ms;
 *   5. lag    — the three projections running live (startProjections), receipts appended at a steady
 *               BENCH_LAG_RATE (1,000) events/s for BENCH_LAG_SECONDS by writers in a worker thread (lag-writers.ts):
 *               append acknowledged → every projection's checkpoint covers it, p50/p99 ms.
 * stdout: a table, then as its very last line one JSON object {"bench":"projections",...}; progress on stderr.
 *
 *   npm run bench:projections [-- --quick | --events N] [--reuse-schema NAME [--lag-only]] [--keep]
 *
 * --quick = 100,000 events (default 1,000,000). --reuse-schema: a schema seeded before (`npm run seed:history
 * -- --schema NAME`), kept afterwards; otherwise a fresh schema bench_proj_<time> is seeded and dropped at the end
 * (--keep keeps it). Env: BENCH_DATABASE_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_BATCH (1000), BENCH_ASOF_QUERIES (500; quick 200), BENCH_LAG_RATE (1000), BENCH_LAG_SECONDS (15; quick 5),
 * BENCH_LAG_WRITERS (16: concurrent writers, one warehouse stream each); with --lag-only, BENCH_LAG_PROJECTIONS
 * (names, comma-separated: only these core projections run live).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { openPostgresEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { LogConsumers } from '@bintrail/messaging';
import { rebuildProjection, shadowSchemaOf, startProjections, type Projection } from '@bintrail/projections';
import { itemsProjection } from '../../services/inventory/src/items/items.projection';
import { ledgerProjection } from '../../services/inventory/src/ledger/ledger.projection';
import { resolveAsOf, stockAsOf } from '../../services/inventory/src/ledger/ledger.queries';
import { stockProjection } from '../../services/inventory/src/stock/stock.projection';
import { binStockProjection } from '../../services/warehouse/src/bins/bin-stock.projection';
import { binAsOf } from '../../services/warehouse/src/bins/bins.controller';
import { seedHistory, type SeedResult } from '../../tools/history/seed';
import type { LagWriterMessage, LagWritersOptions } from './lag-writers';
import { envInt, percentile } from '../stats';

const CORE: readonly Projection[] = [stockProjection, binStockProjection, ledgerProjection];
const TARGETS = { rebuildEventsPerSecond: 30_000, rebuildOverRead: 0.3, asOfP99Ms: 50, lagP99Ms: 100 };

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, events: { type: 'string' }, 'reuse-schema': { type: 'string' }, keep: { type: 'boolean' }, 'lag-only': { type: 'boolean' } },
  strict: true,
});
const quick = args.quick === true;
const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const config = {
  events: args.events ? Number(args.events) : quick ? 100_000 : 1_000_000,
  batch: envInt('BENCH_BATCH', 1_000),
  asOfQueries: envInt('BENCH_ASOF_QUERIES', quick ? 200 : 500),
  lagRate: envInt('BENCH_LAG_RATE', 1_000),
  lagSeconds: envInt('BENCH_LAG_SECONDS', quick ? 5 : 15),
  lagWriters: envInt('BENCH_LAG_WRITERS', 16),
};
if (!(Number.isInteger(config.events) && config.events >= 1_000)) throw new Error(`--events must be an integer ≥ 1000, got '${args.events}'`);

const log = (text: string) => process.stderr.write(`${new Date().toISOString()} ${text}\n`);
const round = (n: number, digits = 0) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

interface Latencies {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
const summarise = (samples: number[]): Latencies => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
};

async function seedOrReuse(store: SqlEventStore, reused: boolean): Promise<SeedResult | undefined> {
  if (reused) return undefined;
  const to = new Date();
  const from = new Date(to.getTime() - 365 * 24 * 3_600_000);
  let last = 0;
  return seedHistory(store, { events: config.events, warehouses: 4, seed: 1, from, to }, {
    onProgress: (p) => {
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      log(`seed: ${p.events}/${p.target} events, ${Math.round(p.eventsPerSecond)} ev/s, ETA ${p.etaSeconds === undefined ? '?' : Math.ceil(p.etaSeconds)}s`);
    },
  });
}

/** The baseline: every event of the log, in pages, parsed into RecordedEvents, as the rebuild reads them. */
async function readLog(store: SqlEventStore): Promise<{ events: number; seconds: number }> {
  const t0 = performance.now();
  let from = 1;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ fromGlobalPosition: from, maxCount: config.batch });
    events += page.length;
    if (page.length < config.batch) break;
    from = page[page.length - 1]!.globalPosition + 1;
  }
  return { events, seconds: (performance.now() - t0) / 1_000 };
}

async function rebuildEach(store: SqlEventStore, schema: string): Promise<{ projection: string; events: number; seconds: number }[]> {
  await LogConsumers.open(store, store.db, schema); // the checkpoint table the switch writes
  const results: { projection: string; events: number; seconds: number }[] = [];
  for (const projection of CORE) {
    const t0 = performance.now();
    let last = 0;
    const result = await rebuildProjection(store, schema, projection, {
      fresh: true,
      batchSize: config.batch,
      onProgress: (p) => {
        if (Date.now() - last < 5_000) return;
        last = Date.now();
        log(`rebuild ${p.projection}: ${p.position}/${p.head}, ${Math.round(p.eventsPerSecond)} ev/s`);
      },
    });
    const seconds = (performance.now() - t0) / 1_000;
    results.push({ projection: projection.name, events: result.applied, seconds });
    log(`rebuild ${projection.name}: ${result.applied} events in ${seconds.toFixed(1)} s`);
  }
  return results;
}

/** Random SKUs and bins the ledger knows, at random times of the history; each sample is one whole endpoint read. */
async function asOfLatencies(store: SqlEventStore, schema: string): Promise<{ sku: Latencies; bin: Latencies; slowest: string }> {
  const db = store.db;
  const s = quoteIdent(schema);
  const { rows: span } = await db.query<{ first: Date; last: Date }>(`SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM ${s}.inventory_stock_ledger`);
  const first = span[0]!.first.getTime();
  const width = span[0]!.last.getTime() - first;
  const { rows: skus } = await db.query<{ sku: string }>(`SELECT sku FROM ${s}.inventory_stock_ledger_keys GROUP BY sku ORDER BY random() LIMIT $1`, [config.asOfQueries]);
  const { rows: bins } = await db.query<{ warehouse: string; bin: string }>(
    `SELECT warehouse, bin FROM ${s}.inventory_stock_ledger_keys GROUP BY warehouse, bin ORDER BY random() LIMIT $1`,
    [config.asOfQueries],
  );
  const at = () => ({ time: new Date(first + Math.random() * width) });
  const skuMs: number[] = [];
  const binMs: number[] = [];
  let slowest = { ms: 0, what: '' };
  for (let i = 0; i < config.asOfQueries; i++) {
    const sku = skus[i % skus.length]!.sku;
    const when = at();
    let t0 = performance.now();
    const { position } = await resolveAsOf(db, s, when);
    await stockAsOf(db, s, sku, position);
    const skuTook = performance.now() - t0;
    skuMs.push(skuTook);
    if (skuTook > slowest.ms) slowest = { ms: skuTook, what: `GET /inventory/${sku}?asOf=${when.time.toISOString()} (position ${position})` };
    const { warehouse, bin } = bins[i % bins.length]!;
    const binWhen = at();
    t0 = performance.now();
    const resolved = await resolveAsOf(db, s, binWhen);
    await binAsOf(db, s, warehouse, bin, resolved.position);
    const binTook = performance.now() - t0;
    binMs.push(binTook);
    if (binTook > slowest.ms) slowest = { ms: binTook, what: `GET /warehouses/${warehouse}/bins/${bin}?asOf=${binWhen.time.toISOString()} (position ${resolved.position})` };
  }
  return { sku: summarise(skuMs), bin: summarise(binMs), slowest: `${slowest.ms.toFixed(1)} ms ${slowest.what}` };
}

/**
 * The core projections consuming live while receipts are appended at a steady rate by BENCH_LAG_WRITERS writers in a
 * worker thread (lag-writers.ts: like the warehouse service in a process of its own, the load generator's work
 * does not share the projections' event loop); a watcher reads the three checkpoints (in memory) every 1 ms.
 */
async function projectionLag(store: SqlEventStore, schema: string, live: readonly Projection[] = CORE): Promise<{ lag: Latencies; appended: number; achievedRate: number; appendMs: Latencies; byProjection: Record<string, Latencies>; visible: Latencies }> {
  const consumers = await LogConsumers.open(store, store.db, schema);
  const running = await startProjections(store.db, consumers, schema, live, { source: store, wake: (ms) => store.waitForAppend(ms) });
  const s = quoteIdent(schema);
  const groups = live.map((p) => `projection:${p.name}`);
  // Where every projection's checkpoint is, as its consumer knows it: it moves once the transaction that wrote it
  // (rows and checkpoint together) has committed. Read in memory, so the watcher adds no load on the database
  // (it polled consumer_checkpoints every 2 ms: a third of the statements of the run, on the same pool).
  const covered = () => Math.min(...running.status.map((p) => p.checkpoint));
  // Let the consumers reach the head first.
  const head = await store.headPosition();
  for (let deadline = Date.now() + 120_000; covered() < head; ) {
    if (Date.now() > deadline) throw new Error('the live projections did not reach the head');
    await new Promise((r) => setTimeout(r, 20));
  }

  // Progress on stderr once a second: where each projection's checkpoint is against the head.
  const progress = setInterval(() => {
    void store.db
      .query<{ group_id: string; position: string }>(`SELECT group_id, position FROM ${s}.consumer_checkpoints WHERE group_id = ANY($1::text[]) ORDER BY group_id`, [groups])
      .then(async ({ rows }) => log(`lag: head ${await store.headPosition()}, ${rows.map((r) => `${r.group_id.replace('projection:', '')} ${r.position}`).join(', ')}`))
      .catch(() => undefined);
  }, 1_000);
  // Each append waits here until every projection's checkpoint covers it; its lag per projection is kept too,
  // so that the slowest one shows. Looked through when a checkpoint moved or an append was reported.
  let pending: { position: number; ackedAt: number; covered: (number | undefined)[]; visible?: number }[] = [];
  let reported = false;
  const lagMs: number[] = [];
  const perProjectionMs: number[][] = live.map(() => []);
  let seen = '';
  const appendMs: number[] = [];
  let writing = true;
  // Append acknowledged → readable in the log. A reader of the log sees an event only once every append
  // that took its transaction id before it has ended (event-store readLog, log_horizon): no consumer can go faster.
  const visibleMs: number[] = [];
  let visibleTo = 0;
  const probe = (async () => {
    while (writing || pending.length > 0) {
      const { rows: horizon } = await store.db.query<{ h: string }>(`SELECT ${s}.log_horizon()::text AS h`);
      const { rows } = await store.db.query<{ p: string }>(`SELECT global_position AS p FROM ${s}.events WHERE tx_id < $1::xid8 ORDER BY global_position DESC LIMIT 1`, [horizon[0]!.h]);
      visibleTo = Number(rows[0]?.p ?? 0);
      const now = performance.now();
      for (const p of pending) if (p.visible === undefined && p.position <= visibleTo) visibleMs.push((p.visible = Math.max(0, now - p.ackedAt)));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const watcher = (async () => {
    while (writing || pending.length > 0) {
      const at = running.status.map((p) => p.checkpoint);
      const key = at.join(',');
      if (key !== seen || reported) {
        seen = key;
        reported = false;
        const now = performance.now();
        pending = pending.filter((p) => {
          at.forEach((checkpoint, i) => {
            if (p.covered[i] === undefined && checkpoint >= p.position) perProjectionMs[i]!.push((p.covered[i] = Math.max(0, now - p.ackedAt)));
          });
          if (p.covered.some((ms) => ms === undefined)) return true;
          lagMs.push(Math.max(0, now - p.ackedAt));
          if (p.visible === undefined) visibleMs.push(Math.min(...(p.covered as number[]))); // seen by a consumer before the probe
          return false;
        });
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();

  const options: LagWritersOptions = { url, schema, writers: config.lagWriters, rate: config.lagRate, seconds: config.lagSeconds, tag: Date.now().toString(36).toUpperCase() };
  const worker = new Worker(join(__dirname, 'lag-writers.ts'), { workerData: { role: 'lag-writers', options } });
  let appended = 0;
  let achievedRate = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: LagWriterMessage) => {
        if (message.kind === 'appended') {
          // The worker's clock is the process's: both count from their own timeOrigin.
          pending.push({ position: message.position, ackedAt: message.ackedAt - performance.timeOrigin, covered: live.map(() => undefined) });
          appendMs.push(message.took);
          reported = true;
        } else if (message.kind === 'done') {
          appended = message.appended;
          achievedRate = message.achievedRate;
          resolve();
        } else if (message.kind === 'failed') reject(new Error(`lag writers failed: ${message.error}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lag writers exited with ${code}`))));
    });
  } finally {
    writing = false;
    await worker.terminate();
  }
  const watchDeadline = setTimeout(() => (pending = []), 60_000); // never hang on a stuck consumer
  await watcher;
  await probe;
  clearTimeout(watchDeadline);
  clearInterval(progress);
  await running.stop();
  const byProjection = Object.fromEntries(live.map((p, i) => [p.name, summarise(perProjectionMs[i]!)]));
  return { lag: summarise(lagMs), appended, achievedRate, appendMs: summarise(appendMs), byProjection, visible: summarise(visibleMs) };
}

async function main(): Promise<void> {
  const reuse = args['reuse-schema'];
  const schema = reuse ?? `bench_proj_${new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14)}`;
  const loadBefore = os.loadavg().map((v) => v.toFixed(1)).join(' ');
  log(`node ${process.version}, ${os.cpus().length} cpus, load average ${loadBefore}; schema ${schema}${reuse ? ' (reused)' : `, seeding ${config.events} events`}${quick ? ' (quick)' : ''}`);
  // The lag's writers each hold a connection while appending; the consumers, the log reader and the rest need theirs.
  const store = await openPostgresEventStore(url, { schema, poolSize: config.lagWriters + 8 });
  const dropAll = async () => {
    for (const p of [...CORE, itemsProjection]) await store.db.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(shadowSchemaOf(schema, p.name))} CASCADE`);
    if (!reuse && !args.keep) await store.db.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  };
  try {
    if (reuse && (await store.headPosition()) === 0) throw new Error(`schema ${schema} holds no events: seed it first (npm run seed:history -- --schema ${schema})`);
    if (args['lag-only']) {
      // Only the live lag, on a reused schema whose projections a previous run built (diagnosing the lag alone).
      if (!reuse) throw new Error('--lag-only needs --reuse-schema (a schema whose projections are built)');
      // BENCH_LAG_PROJECTIONS=name,name: only these of the core projections run live (which one holds the others back?).
      const only = process.env.BENCH_LAG_PROJECTIONS?.split(',');
      const lag = await projectionLag(store, schema, only ? CORE.filter((p) => only.includes(p.name)) : CORE);
      process.stdout.write(`${JSON.stringify({ bench: 'projections', lag_only: true, schema, lag: { rate_achieved: round(lag.achievedRate), writers: config.lagWriters, ...lag.lag }, by_projection: lag.byProjection, visible_in_log: lag.visible, append: lag.appendMs })}\n`);
      return;
    }
    const seeded = await seedOrReuse(store, Boolean(reuse));
    if (seeded) log(`seed: ${seeded.events} events in ${seeded.seconds.toFixed(1)} s`);
    const head = await store.headPosition();
    await store.db.exec(`VACUUM ANALYZE ${quoteIdent(schema)}.events`);

    log('baseline: reading the log');
    const read = await readLog(store);
    const readRate = read.events / read.seconds;
    log(`baseline: ${read.events} events in ${read.seconds.toFixed(1)} s`);
    const rebuilds = await rebuildEach(store, schema);
    const rebuildSeconds = rebuilds.reduce((n, r) => n + r.seconds, 0);
    // The item master too (not timed): GET /inventory/:sku?asOf asks it about a SKU the ledger has nothing of yet.
    await rebuildProjection(store, schema, itemsProjection, { fresh: true, batchSize: config.batch });
    for (const table of ['inventory_stock_ledger', 'inventory_stock_ledger_keys', 'inventory_figure_ledger', 'inventory_figure_ledger_keys']) {
      await store.db.exec(`ANALYZE ${quoteIdent(schema)}.${quoteIdent(table)}`);
    }
    log('as-of reads');
    const asOf = await asOfLatencies(store, schema);
    log(`as-of slowest: ${asOf.slowest}`);
    log(`lag: ${config.lagRate} events/s for ${config.lagSeconds} s`);
    const lag = await projectionLag(store, schema);

    const perProjection = rebuilds.map((r) => ({ projection: r.projection, events: r.events, seconds: round(r.seconds, 2), events_per_s: round(r.events / r.seconds), ratio_over_read: round(r.events / r.seconds / readRate, 3) }));
    const slowestRebuild = Math.min(...rebuilds.map((r) => r.events / r.seconds));
    const asOfP99 = Math.max(asOf.sku.p99, asOf.bin.p99);
    const targets = [
      { name: `rebuild ≥ ${TARGETS.rebuildEventsPerSecond} events/s (slowest core projection)`, value: round(slowestRebuild), pass: slowestRebuild >= TARGETS.rebuildEventsPerSecond },
      { name: `rebuild ≥ ${TARGETS.rebuildOverRead}× the plain read`, value: round(slowestRebuild / readRate, 3), pass: slowestRebuild / readRate >= TARGETS.rebuildOverRead },
      { name: `as-of p99 < ${TARGETS.asOfP99Ms} ms`, value: round(asOfP99, 2), pass: asOfP99 < TARGETS.asOfP99Ms },
      { name: `lag p99 < ${TARGETS.lagP99Ms} ms at ${config.lagRate} events/s`, value: round(lag.lag.p99, 2), pass: lag.lag.p99 < TARGETS.lagP99Ms },
    ];
    const rows: (string | number)[][] = [
      ['measure', 'events', 'seconds', 'events/s', '× read'],
      ['read the log (baseline)', read.events, round(read.seconds, 2)!, round(readRate)!, 1],
      ...perProjection.map((r) => [`rebuild ${r.projection}`, r.events, r.seconds!, r.events_per_s!, r.ratio_over_read!]),
      ['rebuild all three (one after another)', head * CORE.length, round(rebuildSeconds, 2)!, round((head * CORE.length) / rebuildSeconds)!, round((head * CORE.length) / rebuildSeconds / readRate, 3)!],
      ['', '', '', '', ''],
      ['latency', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      ['GET /inventory/:sku?asOf=<time>', asOf.sku.n, round(asOf.sku.p50, 2)!, round(asOf.sku.p99, 2)!, round(asOf.sku.max, 2)!],
      ['GET /warehouses/:wh/bins/:bin?asOf=<time>', asOf.bin.n, round(asOf.bin.p50, 2)!, round(asOf.bin.p99, 2)!, round(asOf.bin.max, 2)!],
      [`lag append → checkpoints (${Math.round(lag.achievedRate)} ev/s)`, lag.lag.n, round(lag.lag.p50, 2)!, round(lag.lag.p99, 2)!, round(lag.lag.max, 2)!],
      ...Object.entries(lag.byProjection).map(([name, l]) => [`  of which ${name}`, l.n, round(l.p50, 2)!, round(l.p99, 2)!, round(l.max, 2)!]),
      ['  append → readable in the log', lag.visible.n, round(lag.visible.p50, 2)!, round(lag.visible.p99, 2)!, round(lag.visible.max, 2)!],
      ['append (single event, during lag run)', lag.appendMs.n, round(lag.appendMs.p50, 2)!, round(lag.appendMs.p99, 2)!, round(lag.appendMs.max, 2)!],
      ['', '', '', '', ''],
      ...targets.map((t) => [`${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.value}`]),
    ];
    const json = {
      bench: 'projections',
      node: process.version,
      cpus: os.cpus().length,
      quick,
      schema,
      reused: Boolean(reuse),
      events: head,
      batch: config.batch,
      loadavg_before: loadBefore,
      loadavg_after: os.loadavg().map((v) => round(v, 2)).join(' '),
      seed: seeded ? { events: seeded.events, seconds: round(seeded.seconds, 1), events_per_s: round(seeded.eventsPerSecond), appends: seeded.appends, streams: seeded.streams } : null,
      read: { events: read.events, seconds: round(read.seconds, 2), events_per_s: round(readRate) },
      rebuild: perProjection,
      rebuild_all: { seconds: round(rebuildSeconds, 2), events_per_s: round((head * CORE.length) / rebuildSeconds) },
      as_of: {
        sku: { n: asOf.sku.n, p50_ms: round(asOf.sku.p50, 2), p99_ms: round(asOf.sku.p99, 2), max_ms: round(asOf.sku.max, 2) },
        bin: { n: asOf.bin.n, p50_ms: round(asOf.bin.p50, 2), p99_ms: round(asOf.bin.p99, 2), max_ms: round(asOf.bin.max, 2) },
        slowest: asOf.slowest,
      },
      lag: { rate_target: config.lagRate, rate_achieved: round(lag.achievedRate), seconds: config.lagSeconds, n: lag.lag.n, p50_ms: round(lag.lag.p50, 2), p99_ms: round(lag.lag.p99, 2), max_ms: round(lag.lag.max, 2),
        writers: config.lagWriters,
        visible_in_log: { p50_ms: round(lag.visible.p50, 2), p99_ms: round(lag.visible.p99, 2), max_ms: round(lag.visible.max, 2) },
        by_projection: Object.fromEntries(Object.entries(lag.byProjection).map(([name, l]) => [name, { p50_ms: round(l.p50, 2), p99_ms: round(l.p99, 2), max_ms: round(l.max, 2) }])),
      },
      targets,
    };
    process.stdout.write(`${table(rows)}\n${JSON.stringify(json)}\n`);
  } finally {
    await dropAll().catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
    await store.close();
  }
}

/** Columns sized to fit; a row of one cell (a verdict) spans the line. */
function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 3 }) : c)));
  const full = cells.filter((r) => r.length === cells[0]!.length);
  const widths = cells[0]!.map((_, i) => Math.max(...full.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => (r.length === 1 ? r[0]! : r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())).join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
