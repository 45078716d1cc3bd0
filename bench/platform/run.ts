/**
 * Platform bench: receipts/s (and orders/s, once POST /orders exists) through the real platform over
 * HTTP, end to end (POST acknowledged → the read model shows it), with p50/p99 latency; next to a
 * baseline measured in the same run with the same load generator: a plain node:http server doing
 * one INSERT per POST, into PGlite on disk (the embedded platform's engine) and into the local
 * PostgreSQL server. stdout gets a table and, as its very last line, one JSON object
 * {"bench":"platform",...}; progress goes to stderr.
 *
 *   npm run bench:platform [-- --quick]
 *   node -r ./tools/register.cjs bench/platform/run.ts [--quick]
 *
 * Every server under test runs in its own child process (2 cores are shared with the load generator):
 *   baseline-pglite   — bench/platform/baseline-server.ts, PGlite with a fresh data folder on disk;
 *   baseline-postgres — the same server on a pg Pool (10) against BENCH_DATABASE_URL / DATABASE_URL /
 *                       postgres://postgres@127.0.0.1:5432/test, own table bench_platform_<tag>, dropped after;
 *   embedded          — `npm start`'s entry (services/platform/src/main.ts), BINTRAIL_MODE=embedded, a
 *                       fresh BINTRAIL_DATA_DIR, a free PORT, LOG_LEVEL=warn (readiness by polling
 *                       GET /status). One item (SKU-BENCH) and one warehouse (WH1) are set up, then
 *                       POST /warehouses/WH1/receipts {sku, quantity: 1} is driven.
 * For each: a warm-up of BENCH_WARMUP requests (untimed), then BENCH_SECONDS of closed-loop load from
 * BENCH_CONCURRENCY keep-alive clients (bench/platform/load.ts). acked/s = 2xx answers ÷ wall time.
 * Embedded only: catch-up = time from the end of the load until GET /inventory/SKU-BENCH?minPosition=
 * <highest bintrail-position acknowledged> answers 200 (the read model caught up); e2e/s = acked ÷
 * (load time + catch-up); the on-hand it shows is checked against the number of acknowledged receipts.
 * Then BENCH_PAIRS sequential "POST receipt, then GET ?minPosition=<its position>" pairs: the
 * latency until a write is visible in the read model (p50/p99).
 * Orders: measured only when POST /orders exists (probed; 404 "Cannot POST" = not yet): null otherwise.
 * Distributed: null until `npm run start:distributed` exists.
 *
 * Env: BENCH_CONCURRENCY (16), BENCH_SECONDS (15; --quick 4), BENCH_WARMUP (300; --quick 100),
 * BENCH_PAIRS (200; --quick 40), BENCH_DATABASE_URL / DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { envInt, percentile } from '../stats';
import { httpCall, runLoad, type LoadResult } from './load';

const REPO_ROOT = join(__dirname, '..', '..');
const REGISTER = join(REPO_ROOT, 'tools', 'register.cjs');
const quick = process.argv.includes('--quick');
const config = {
  url: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  concurrency: envInt('BENCH_CONCURRENCY', 16),
  seconds: envInt('BENCH_SECONDS', quick ? 4 : 15),
  warmup: envInt('BENCH_WARMUP', quick ? 100 : 300),
  pairs: envInt('BENCH_PAIRS', quick ? 40 : 200),
};
const tag = `${Date.now().toString(36)}${process.pid.toString(36)}`.toLowerCase();
const SKU = 'SKU-BENCH';
const WAREHOUSE = 'WH1';
const receiptBody = { sku: SKU, quantity: 1 };

const log = (text: string): void => void process.stderr.write(`[bench:platform] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, digits = 0): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Things to undo at the end, last registered first. */
const cleanups: { what: string; run: () => Promise<unknown> | unknown }[] = [];
const onCleanup = (what: string, run: () => Promise<unknown> | unknown): void => void cleanups.push({ what, run });
async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const { what, run } = cleanups.pop()!;
    try {
      await run();
    } catch (error) {
      log(`cleanup failed (${what}): ${(error as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------- child processes

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  stderr: string;
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

function startChild(entry: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['-r', REGISTER, entry], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffer = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = {
    process: proc,
    lines,
    stderr: '',
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return proc.exitCode;
    },
  };
  proc.stderr!.on('data', (chunk: Buffer) => (child.stderr += chunk.toString()));
  onCleanup(`stop ${entry}`, () => child.stop());
  return child;
}

const alive = (child: Child): boolean => child.process.exitCode === null && child.process.signalCode === null;
const childFailure = (child: Child, what: string): Error =>
  new Error(`${what} (exit ${child.process.exitCode ?? child.process.signalCode}):\n${[...child.lines.slice(-10), child.stderr.trim()].join('\n')}`);

/** CPU seconds (user + system) a process has used so far, from /proc (NaN where there is none). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}
/** Busy CPU seconds of the whole machine so far (all processes), from /proc/stat (NaN where there is none). */
function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const t = ticks.map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - t[3]! - t[4]!) / 100; // minus idle and iowait
  } catch {
    return NaN;
  }
}
const ownCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- measured phases

interface Measured {
  readonly load: LoadResult;
  readonly warmupFailed: number;
  /** CPU seconds during the timed load: server process and this (load generator) process. */
  readonly serverCpuS: number;
  readonly loadgenCpuS: number;
  /** CPU seconds used by every other process on the machine during the timed load (other people's work). */
  readonly otherCpuS: number;
}

async function measure(origin: string, path: string, pid: number | undefined, trackHeader?: string): Promise<Measured> {
  const request = () => ({ method: 'POST' as const, path, body: receiptBody });
  const warm = await runLoad({ origin, concurrency: config.concurrency, count: config.warmup, request });
  if (warm.ok === 0) throw new Error(`warm-up: no request acknowledged; first failures: ${warm.sampleFailures.join(' | ')}`);
  const server0 = cpuSeconds(pid);
  const own0 = ownCpuSeconds();
  const busy0 = machineBusySeconds();
  const load = await runLoad({ origin, concurrency: config.concurrency, durationMs: config.seconds * 1000, request, ...(trackHeader ? { trackHeader } : {}) });
  const serverCpuS = cpuSeconds(pid) - server0;
  const loadgenCpuS = ownCpuSeconds() - own0;
  return { load, warmupFailed: warm.failed, serverCpuS, loadgenCpuS, otherCpuS: Math.max(0, machineBusySeconds() - busy0 - serverCpuS - loadgenCpuS) };
}

async function baseline(kind: 'pglite' | 'postgres'): Promise<Measured> {
  const env: Record<string, string> = { BASELINE_KIND: kind };
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'bintrail-bench-baseline-'));
    onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    env.BASELINE_DATA_DIR = dir;
  } else {
    const table = `bench_platform_${tag}`;
    env.BASELINE_URL = config.url;
    env.BASELINE_TABLE = table;
    onCleanup(`drop table ${table}`, async () => {
      const c = new Client({ connectionString: config.url });
      await c.connect();
      try {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      } finally {
        await c.end();
      }
    });
  }
  const child = startChild(join(__dirname, 'baseline-server.ts'), env);
  const started = Date.now();
  let port: number | undefined;
  while (port === undefined) {
    const line = child.lines.find((l) => l.startsWith('{"listening"'));
    if (line) port = (JSON.parse(line) as { listening: number }).listening;
    else if (!alive(child) || Date.now() - started > 60_000) throw childFailure(child, `baseline-${kind} did not start`);
    else await sleep(20);
  }
  try {
    return await measure(`http://127.0.0.1:${port}`, '/receipts', child.process.pid);
  } finally {
    await child.stop();
  }
}

interface Embedded extends Measured {
  readonly catchUpS: number;
  readonly e2ePerSecond: number;
  readonly lastPosition: number;
  readonly onHandSeen: number;
  readonly onHandExpected: number;
  readonly visible: { readonly p50: number; readonly p99: number; readonly postP50: number; readonly postP99: number; readonly n: number; readonly failed: number };
  readonly startupS: number;
  readonly orders: OrdersOutcome;
  readonly warnings: string[];
  readonly parked: number;
}

interface OrdersMeasured extends Measured {
  readonly catchUpS: number;
  readonly e2ePerSecond: number;
  readonly allocated: number;
  readonly notAllocated: Record<string, number>;
  readonly visible: { readonly p50: number; readonly p99: number; readonly n: number; readonly failed: number };
}
type OrdersOutcome =
  | { readonly available: false; readonly note: string; readonly measured?: undefined }
  | { readonly available: true; readonly note: string; readonly measured: OrdersMeasured | null };

async function embedded(): Promise<Embedded> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bintrail-bench-platform-'));
  onCleanup(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = startChild(join(REPO_ROOT, 'services', 'platform', 'src', 'main.ts'), {
    BINTRAIL_MODE: 'embedded',
    BINTRAIL_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  for (;;) {
    if (!alive(child) || performance.now() - t0 > 120_000) throw childFailure(child, 'the platform did not start');
    const ok = await httpCall(origin, 'GET', '/status').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  const startupS = (performance.now() - t0) / 1000;
  log(`platform up in ${round(startupS, 1)} s at ${origin} (data in ${dataDir})`);

  try {
    const item = await httpCall(origin, 'PUT', `/items/${SKU}`, { description: 'Bench widget', unit: 'each' });
    if (item.status !== 201 && item.status !== 200) throw new Error(`PUT /items/${SKU}: ${item.status} ${item.text}`);
    const wh = await httpCall(origin, 'POST', '/warehouses', { code: WAREHOUSE, name: 'Bench warehouse' });
    if (wh.status !== 201) throw new Error(`POST /warehouses: ${wh.status} ${wh.text}`);

    const path = `/warehouses/${WAREHOUSE}/receipts`;
    log(`embedded: warm-up ${config.warmup}, then ${config.seconds} s of POST ${path} from ${config.concurrency} clients`);
    const measured = await measure(origin, path, child.process.pid, 'bintrail-position');
    const loadEnd = performance.now();
    const { load } = measured;
    if (!Number.isFinite(load.maxHeader)) throw new Error('no bintrail-position header on the acknowledged receipts');

    // Catch-up: until the inventory read model has reached the last acknowledged position.
    let onHandSeen = NaN;
    for (;;) {
      const r = await httpCall(origin, 'GET', `/inventory/${SKU}?minPosition=${load.maxHeader}`);
      if (r.status === 200 && Number(r.headers['bintrail-read-position']) >= load.maxHeader) {
        onHandSeen = (r.json as { onHand: number }).onHand;
        break;
      }
      if (r.status !== 503) throw new Error(`catch-up read: ${r.status} ${r.text.slice(0, 300)}`);
      if (performance.now() - loadEnd > 300_000) throw new Error('the read model did not catch up within 300 s');
    }
    const catchUpS = (performance.now() - loadEnd) / 1000;
    // All receipts so far: the warm-up's and the load's acknowledged ones, quantity 1 each.
    const onHandExpected = config.warmup - measured.warmupFailed + load.ok;
    log(`embedded: ${Math.round(load.okPerSecond)} acked/s, catch-up ${round(catchUpS, 2)} s, on hand ${onHandSeen} (expected ${onHandExpected})`);

    // Sequential pairs: POST, then GET ?minPosition=<its position> until it answers 200.
    const pairMs: number[] = [];
    const postMs: number[] = [];
    let pairFailed = 0;
    for (let i = 0; i < config.pairs; i++) {
      const start = performance.now();
      const posted = await httpCall(origin, 'POST', path, receiptBody);
      const position = Number(posted.headers['bintrail-position']);
      if (posted.status !== 201 || !Number.isFinite(position)) {
        pairFailed++;
        continue;
      }
      postMs.push(performance.now() - start);
      let seen = false;
      for (let tries = 0; tries < 20 && !seen; tries++) {
        const r = await httpCall(origin, 'GET', `/inventory/${SKU}?minPosition=${position}`);
        seen = r.status === 200;
        if (!seen && r.status !== 503) break;
      }
      if (seen) pairMs.push(performance.now() - start);
      else pairFailed++;
    }
    pairMs.sort((a, b) => a - b);
    postMs.sort((a, b) => a - b);

    const orders = await probeOrders(origin, child.process.pid);
    const status = (await httpCall(origin, 'GET', '/status')).json as { projections?: { parked: number }[] } | undefined;
    const parked = (status?.projections ?? []).reduce((n, p) => n + p.parked, 0);
    const warnings = child.lines.filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'));

    return {
      ...measured,
      catchUpS,
      e2ePerSecond: load.ok / (load.seconds + catchUpS),
      lastPosition: load.maxHeader,
      onHandSeen,
      onHandExpected,
      visible: { p50: percentile(pairMs, 50), p99: percentile(pairMs, 99), postP50: percentile(postMs, 50), postP99: percentile(postMs, 99), n: pairMs.length, failed: pairFailed },
      startupS,
      orders,
      warnings,
      parked,
    };
  } finally {
    const code = await child.stop();
    if (code !== 0) log(`platform exited with ${code}; stderr: ${child.stderr.trim().slice(-500)}`);
  }
}

/** POST /orders: 404 "Cannot POST" means the route is not wired yet; otherwise orders are measured. */
async function probeOrders(origin: string, pid: number | undefined): Promise<OrdersOutcome> {
  const r = await httpCall(origin, 'POST', '/orders', {});
  if (r.status === 404 && /Cannot POST/i.test(r.text)) return { available: false, note: 'not measured (POST /orders not available)' };
  log(`POST /orders exists (answered ${r.status} to an empty probe): measuring orders`);
  try {
    const measured = await measureOrders(origin, pid);
    return { available: true, note: 'measured', measured };
  } catch (error) {
    log(`orders FAILED: ${(error as Error).stack ?? String(error)}`);
    return { available: true, note: `not measured (POST /orders exists but the run failed: ${(error as Error).message.slice(0, 300)})`, measured: null };
  }
}

interface OrderView {
  readonly status?: string;
}
const SETTLED_NOT_ALLOCATED = new Set(['back-ordered', 'cancelled']);

/** GET /orders/:id (?minPosition) until its status is 'allocated'; the status it ended with. */
async function awaitAllocation(origin: string, orderId: string, minPosition: number, timeoutMs: number): Promise<string> {
  const started = performance.now();
  let status = 'unknown';
  for (let first = true; ; first = false) {
    const r = await httpCall(origin, 'GET', `/orders/${orderId}${first && Number.isFinite(minPosition) ? `?minPosition=${minPosition}` : ''}`);
    if (r.status === 200) {
      status = (r.json as OrderView).status ?? 'unknown';
      if (status === 'allocated' || SETTLED_NOT_ALLOCATED.has(status)) return status;
    } else if (r.status !== 503 && r.status !== 404) {
      throw new Error(`GET /orders/${orderId}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    if (performance.now() - started > timeoutMs) return `${status} (timed out)`;
    await sleep(2);
  }
}

/**
 * Orders, the same way as receipts: stock first (one big receipt), a warm-up, BENCH_SECONDS of
 * POST /orders {lines: [{sku, quantity: 1}]}; catch-up = until the last acknowledged order shows
 * 'allocated' in GET /orders/:id; then every acknowledged order is checked (untimed; if some were not
 * allocated yet, catch-up is extended to when they all were). Then sequential POST → allocated pairs.
 */
async function measureOrders(origin: string, pid: number | undefined): Promise<OrdersMeasured> {
  const stock = await httpCall(origin, 'POST', `/warehouses/${WAREHOUSE}/receipts`, { sku: SKU, quantity: 1_000_000 });
  if (stock.status !== 201) throw new Error(`stock receipt: ${stock.status} ${stock.text.slice(0, 300)}`);
  const orderBody = { lines: [{ sku: SKU, quantity: 1 }] };
  const request = () => ({ method: 'POST' as const, path: '/orders', body: orderBody });
  const warm = await runLoad({ origin, concurrency: config.concurrency, count: Math.min(config.warmup, 100), request });
  if (warm.ok === 0) throw new Error(`warm-up: no order acknowledged; first failures: ${warm.sampleFailures.join(' | ')}`);

  const orderIds: string[] = [];
  const server0 = cpuSeconds(pid);
  const own0 = ownCpuSeconds();
  const busy0 = machineBusySeconds();
  log(`orders: ${config.seconds} s of POST /orders from ${config.concurrency} clients`);
  const load = await runLoad({
    origin,
    concurrency: config.concurrency,
    durationMs: config.seconds * 1000,
    request,
    trackHeader: 'bintrail-position',
    onAcked: (text) => orderIds.push((JSON.parse(text) as { orderId: string }).orderId),
  });
  const loadEnd = performance.now();
  const serverCpuS = cpuSeconds(pid) - server0;
  const loadgenCpuS = ownCpuSeconds() - own0;
  const otherCpuS = Math.max(0, machineBusySeconds() - busy0 - serverCpuS - loadgenCpuS);
  if (orderIds.length === 0) throw new Error(`no order acknowledged; first failures: ${load.sampleFailures.join(' | ')}`);

  const timeoutMs = 300_000;
  const lastStatus = await awaitAllocation(origin, orderIds.at(-1)!, load.maxHeader, timeoutMs);
  let catchUpS = (performance.now() - loadEnd) / 1000;
  // Every acknowledged order, checked untimed (16 at a time); any not allocated yet is waited for and extends the catch-up.
  const notAllocated: Record<string, number> = {};
  let allocated = 0;
  let lateOnes = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: config.concurrency }, async () => {
      while (next < orderIds.length) {
        const id = orderIds[next++]!;
        const r = await httpCall(origin, 'GET', `/orders/${id}`);
        let status = r.status === 200 ? ((r.json as OrderView).status ?? 'unknown') : `http ${r.status}`;
        if (status !== 'allocated' && !SETTLED_NOT_ALLOCATED.has(status)) {
          lateOnes++;
          status = await awaitAllocation(origin, id, NaN, timeoutMs);
        }
        if (status === 'allocated') allocated++;
        else notAllocated[status] = (notAllocated[status] ?? 0) + 1;
      }
    }),
  );
  if (lateOnes > 0) {
    catchUpS = (performance.now() - loadEnd) / 1000;
    log(`orders: ${lateOnes} orders were not allocated yet when the last one was; catch-up extended to the end of the check`);
  }
  log(`orders: ${Math.round(load.okPerSecond)} acked/s, last order ${lastStatus} after ${round(catchUpS, 2)} s; ${allocated}/${orderIds.length} allocated`);

  const pairMs: number[] = [];
  let pairFailed = 0;
  const pairs = Math.min(config.pairs, 50);
  for (let i = 0; i < pairs; i++) {
    const start = performance.now();
    const posted = await httpCall(origin, 'POST', '/orders', orderBody);
    if (posted.status < 200 || posted.status > 299) {
      pairFailed++;
      continue;
    }
    const status = await awaitAllocation(origin, (posted.json as { orderId: string }).orderId, Number(posted.headers['bintrail-position']), 30_000);
    if (status === 'allocated') pairMs.push(performance.now() - start);
    else pairFailed++;
  }
  pairMs.sort((a, b) => a - b);
  return {
    load,
    warmupFailed: warm.failed,
    serverCpuS,
    loadgenCpuS,
    otherCpuS,
    catchUpS,
    e2ePerSecond: allocated / (load.seconds + catchUpS),
    allocated,
    notAllocated,
    visible: { p50: percentile(pairMs, 50), p99: percentile(pairMs, 99), n: pairMs.length, failed: pairFailed },
  };
}

function distributedNote(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.['start:distributed']
    ? 'not measured (npm run start:distributed exists, but this bench does not drive it yet)'
    : 'not measured (npm run start:distributed does not exist yet)';
}

// ---------------------------------------------------------------- report

/** Columns sized to fit; a row of two cells whose second is a note spans the rest of the line. */
function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isNaN(c) ? 'n/a' : c.toLocaleString('en-US', { maximumFractionDigits: 2 })) : c)));
  const full = cells.filter((r) => r.length === cells[0]!.length);
  const widths = cells[0]!.map((_, i) => Math.max(...(i === 0 ? cells : full).map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => (r.length === 2 && cells[0]!.length > 2 ? `${r[0]!.padEnd(widths[0]!)}  ${r[1]}` : r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')))
    .join('\n');
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((v) => v.toFixed(1)).join(' ');
  log(`node ${process.version}, ${os.cpus().length} cpus, load average ${loadBefore}; ${config.concurrency} clients, ${config.seconds} s per load, warm-up ${config.warmup}, ${config.pairs} pairs${quick ? ' (quick)' : ''}`);
  const errors: Record<string, string> = {};
  const attempt = async <T>(name: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (error) {
      errors[name] = (error as Error).message.split('\n').slice(0, 6).join(' | ');
      log(`${name} FAILED: ${(error as Error).stack ?? String(error)}`);
      return null;
    }
  };

  log('baseline-pglite: node:http + one INSERT into PGlite on disk');
  const bPglite = await attempt('baseline-pglite', () => baseline('pglite'));
  if (bPglite) log(`baseline-pglite: ${Math.round(bPglite.load.okPerSecond)}/s`);
  log(`baseline-postgres: node:http + one INSERT into ${new URL(config.url).host}`);
  const bPostgres = await attempt('baseline-postgres', () => baseline('postgres'));
  if (bPostgres) log(`baseline-postgres: ${Math.round(bPostgres.load.okPerSecond)}/s`);
  log('embedded platform');
  const emb = await attempt('embedded', () => embedded());
  const distributed = distributedNote();
  await runCleanups();

  const checks: Record<string, string> = {};
  if (emb && emb.onHandSeen !== emb.onHandExpected) checks.embedded_on_hand = `read model shows ${emb.onHandSeen} on hand, ${emb.onHandExpected} receipts were acknowledged`;
  if (emb && emb.load.failed > 0) checks.embedded_failed = `${emb.load.failed} of ${emb.load.sent} receipts not acknowledged: ${emb.load.sampleFailures.join(' | ')}`;
  if (emb && emb.visible.failed > 0) checks.embedded_pairs = `${emb.visible.failed} of ${config.pairs} POST→GET pairs failed`;
  const ord = emb?.orders.measured ?? null;
  if (ord && ord.load.failed > 0) checks.orders_failed = `${ord.load.failed} of ${ord.load.sent} orders not acknowledged: ${ord.load.sampleFailures.join(' | ')}`;
  if (ord && Object.keys(ord.notAllocated).length) checks.orders_not_allocated = `${ord.load.ok - ord.allocated} acknowledged orders not allocated: ${JSON.stringify(ord.notAllocated)}`;
  if (ord && ord.visible.failed > 0) checks.orders_pairs = `${ord.visible.failed} POST→allocated pairs failed`;
  if (emb && emb.parked > 0) checks.embedded_parked = `${emb.parked} events parked by the read models`;
  for (const [name, b] of [['baseline-pglite', bPglite], ['baseline-postgres', bPostgres]] as const) {
    if (b && b.load.failed > 0) checks[name] = `${b.load.failed} of ${b.load.sent} requests failed: ${b.load.sampleFailures.join(' | ')}`;
  }

  const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b === 0 ? null : round(a / b, 2));
  const ratioAcked = ratio(emb?.load.okPerSecond, bPglite?.load.okPerSecond);
  const ratioE2e = ratio(emb?.e2ePerSecond, bPglite?.load.okPerSecond);
  const ratioPostgres = ratio(emb?.e2ePerSecond, bPostgres?.load.okPerSecond);
  const targets = [
    { name: 'embedded receipts e2e >= 1000/s', value: emb ? Math.round(emb.e2ePerSecond) : null, goal: 1000 },
    { name: 'embedded orders e2e >= 300/s', value: ord ? Math.round(ord.e2ePerSecond) : null, goal: 300 },
    { name: 'embedded receipts e2e ÷ baseline-pglite >= 0.5', value: ratioE2e, goal: 0.5 },
  ].map((t) => ({ ...t, pass: t.value === null ? null : t.value >= t.goal }));

  const dash = '—';
  const row = (name: string, m: Measured | null, e2e?: number, catchUp?: number): (string | number)[] =>
    m
      ? [name, Math.round(m.load.okPerSecond), e2e === undefined ? dash : Math.round(e2e), round(m.load.p50Ms, 1), round(m.load.p99Ms, 1), m.load.ok, m.load.failed, catchUp === undefined ? dash : round(catchUp, 2), `${round(m.serverCpuS / m.load.seconds, 2)} / ${round(m.loadgenCpuS / m.load.seconds, 2)} / ${round(m.otherCpuS / m.load.seconds, 2)}`]
      : [name, 'failed', dash, dash, dash, dash, dash, dash, dash];
  const out: string[] = [];
  out.push(`Platform bench — node ${process.version}, ${os.cpus().length} CPUs, ${config.concurrency} keep-alive clients, ${config.seconds} s per load after ${config.warmup} warm-up requests${quick ? ' (quick)' : ''}`);
  out.push('');
  out.push(
    table([
      ['POST → 201', 'acked/s', 'e2e/s', 'p50 ms', 'p99 ms', 'acked', 'failed', 'catch-up s', 'cores srv / loadgen / others'],
      row('baseline-pglite (node:http + INSERT)', bPglite),
      row('baseline-postgres (node:http + INSERT)', bPostgres),
      row('embedded receipts', emb, emb?.e2ePerSecond, emb?.catchUpS),
      ord ? row('embedded orders (until allocated)', ord, ord.e2ePerSecond, ord.catchUpS) : ['embedded orders', `orders: ${emb?.orders.note ?? 'not measured (the embedded run failed)'}`],
      ['distributed', `distributed: ${distributed}`],
    ]),
  );
  out.push(`(cores: CPU used during the timed load by the server process / this load generator / every other process on the machine; load average ${loadBefore} before, ${os.loadavg().map((v) => v.toFixed(1)).join(' ')} after)`);
  out.push('(e2e/s = acked ÷ (load time + catch-up until GET ?minPosition=<last position> answers); a baseline INSERT is readable once acked)');
  if (emb) {
    out.push('');
    out.push(
      table([
        [`receipt visible in read model, ${emb.visible.n} sequential pairs`, 'p50 ms', 'p99 ms'],
        ['POST receipt → 201', round(emb.visible.postP50, 1), round(emb.visible.postP99, 1)],
        ['POST receipt → GET /inventory ?minPosition= 200', round(emb.visible.p50, 1), round(emb.visible.p99, 1)],
        ...(ord ? [[`POST /orders → GET /orders/:id 'allocated' (${ord.visible.n} pairs)`, round(ord.visible.p50, 1), round(ord.visible.p99, 1)]] : []),
      ]),
    );
  }
  out.push('');
  out.push(
    `ratio embedded receipts ÷ baseline-pglite: acked ${ratioAcked?.toFixed(2) ?? 'n/a'}, e2e ${ratioE2e?.toFixed(2) ?? 'n/a'}; ` +
      `e2e ÷ baseline-postgres ${ratioPostgres?.toFixed(2) ?? 'n/a'}`,
  );
  out.push('targets:');
  for (const t of targets) out.push(`  ${t.pass === null ? 'n/a ' : t.pass ? 'met ' : 'MISS'}  ${t.name}  (${t.value === null ? 'not measured' : t.value})`);
  if (Object.keys(checks).length) {
    out.push('');
    out.push('checks that failed:');
    for (const [k, v] of Object.entries(checks)) out.push(`  ${k}: ${v}`);
  }
  if (emb?.warnings.length) out.push(`(the platform logged ${emb.warnings.length} warn/error lines; first: ${emb.warnings[0]!.slice(0, 300)})`);
  if (Object.keys(errors).length) {
    out.push('');
    out.push('errors:');
    for (const [k, v] of Object.entries(errors)) out.push(`  ${k}: ${v}`);
  }

  const figures = (m: Measured | null) =>
    m && {
      acked_per_s: Math.round(m.load.okPerSecond),
      p50_ms: round(m.load.p50Ms, 2),
      p99_ms: round(m.load.p99Ms, 2),
      acked: m.load.ok,
      failed: m.load.failed,
      seconds: round(m.load.seconds, 2),
      server_cores: round(m.serverCpuS / m.load.seconds, 2),
      loadgen_cores: round(m.loadgenCpuS / m.load.seconds, 2),
      other_processes_cores: round(m.otherCpuS / m.load.seconds, 2),
    };
  const json = {
    bench: 'platform',
    node: process.version,
    cpus: os.cpus().length,
    quick,
    concurrency: config.concurrency,
    load_seconds: config.seconds,
    warmup: config.warmup,
    loadavg_before: loadBefore,
    loadavg_after: os.loadavg().map((v) => round(v, 2)).join(' '),
    baseline_pglite: figures(bPglite),
    baseline_postgres: figures(bPostgres),
    embedded: emb && {
      startup_s: round(emb.startupS, 2),
      receipts: {
        ...figures(emb),
        e2e_per_s: Math.round(emb.e2ePerSecond),
        catch_up_s: round(emb.catchUpS, 3),
        last_position: emb.lastPosition,
        on_hand_seen: emb.onHandSeen,
        on_hand_expected: emb.onHandExpected,
        visible_pairs: emb.visible.n,
        visible_p50_ms: round(emb.visible.p50, 2),
        visible_p99_ms: round(emb.visible.p99, 2),
        post_p50_ms: round(emb.visible.postP50, 2),
        post_p99_ms: round(emb.visible.postP99, 2),
      },
      orders: ord && {
        ...figures(ord),
        e2e_per_s: Math.round(ord.e2ePerSecond),
        catch_up_s: round(ord.catchUpS, 3),
        allocated: ord.allocated,
        not_allocated: ord.notAllocated,
        visible_pairs: ord.visible.n,
        visible_p50_ms: round(ord.visible.p50, 2),
        visible_p99_ms: round(ord.visible.p99, 2),
      },
      orders_note: emb.orders.note,
    },
    distributed: null,
    distributed_note: distributed,
    ratio_receipts_over_baseline_pglite: { acked: ratioAcked, e2e: ratioE2e },
    ratio_receipts_e2e_over_baseline_postgres: ratioPostgres,
    targets: targets.map((t) => ({ name: t.name, value: t.value, pass: t.pass })),
    ...(Object.keys(checks).length ? { failed_checks: checks } : {}),
    ...(Object.keys(errors).length ? { errors } : {}),
  };
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify(json)}\n`);
  if (Object.keys(errors).length || Object.keys(checks).length) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  async (error: unknown) => {
    log(`FAILED: ${(error as Error).stack ?? String(error)}`);
    await runCleanups();
    process.exit(1);
  },
);
