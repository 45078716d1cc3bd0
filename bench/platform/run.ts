/**
 * Platform bench: receipts/s (and orders/s, once POST /orders exists) through the real platform over
 * HTTP, in both its forms (embedded, then distributed), end to end (POST acknowledged → the read model
 * shows it), with p50/p99 latency; next to a baseline measured in the same run with the same load
 * generator: a plain node:http server doing one INSERT per POST, into PGlite on disk (the embedded
 * platform's engine) and into the local PostgreSQL server. stdout gets a table and, as its very last
 * line, one JSON object {"bench":"platform",...}; progress goes to stderr.
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
 *   distributed       — `npm run start:distributed` (tools/distributed/start-distributed.ts): the relay and one
 *                       process per service on PostgreSQL (the URL above) + Kafka (KAFKA_BROKERS, default
 *                       127.0.0.1:9092, passed explicitly so the launcher never starts or stops a broker), with
 *                       its own BINTRAIL_SCHEMA and BINTRAIL_TOPIC_PREFIX bench_dist_<tag> (BENCH_TOPIC_PARTITIONS,
 *                       default 6), the proxy on a free PORT (readiness: its 'API on' line, then its aggregate
 *                       GET /status answering 200). The same setup and load as embedded, all through the
 *                       proxy port; "srv" cores are the launcher/proxy, the relay and the four services
 *                       together. Afterwards: SIGINT (SIGKILL after 60 s, its children too), DROP SCHEMA,
 *                       delete its topics.
 * For each: a warm-up of BENCH_WARMUP requests (untimed), then BENCH_SECONDS of closed-loop load from
 * BENCH_CONCURRENCY keep-alive clients (bench/platform/load.ts). acked/s = 2xx answers ÷ wall time.
 * Both forms: one receipt is POSTed until it is answered 201 (distributed: until the warehouse service has
 * learnt of the SKU from the log); then catch-up = time from the end of the load until
 * GET /inventory/SKU-BENCH?minPosition=<highest bintrail-position acknowledged> answers 200 (the read
 * model caught up); e2e/s = acked ÷ (load time + catch-up); the on-hand it shows is checked against the
 * number of acknowledged receipts.
 * Then BENCH_PAIRS sequential "POST receipt, then GET ?minPosition=<its position>" pairs: the
 * latency until a write is visible in the read model (p50/p99).
 * Orders: measured only when POST /orders exists (probed; 404 "Cannot POST" = not yet): null otherwise.
 * Distributed: `distributed` in the JSON has the embedded form's keys (plus processes, topic_partitions,
 * warn_error_lines, consumer_groups_shared_with_other_runs: kafkajs' "unsubscribed topics" warnings, which
 * would mean another run on the broker shares a consumer group — expected empty since group ids carry the
 * topic prefix); null, with `distributed_note`
 * saying why, when its run failed.
 *
 * Env: BENCH_CONCURRENCY (16), BENCH_SECONDS (15; --quick 4), BENCH_WARMUP (300; --quick 100),
 * BENCH_PAIRS (200; --quick 40), BENCH_ORDERS_CATCHUP_S (300; --quick 60: how long all the orders of a load
 * may take to be allocated), BENCH_DATABASE_URL / DATABASE_URL, KAFKA_BROKERS, BENCH_TOPIC_PARTITIONS (6),
 * BENCH_FORMS (embedded,distributed: which forms of the platform to run, comma-separated; a form left out is
 * reported as not measured, its row and JSON key showing it; the baselines always run), BENCH_SERVER_NODE_ARGS
 * (extra Node flags for every server process it starts, space-separated: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`,
 * which NODE_OPTIONS refuses), BENCH_SERVER_LOG (a file each server process's output, its log lines, is appended to when it exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
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
  topicPartitions: envInt('BENCH_TOPIC_PARTITIONS', 6),
  /** How long orders may take to be allocated after their load, all of them together. */
  ordersCatchUpS: envInt('BENCH_ORDERS_CATCHUP_S', quick ? 60 : 300),
  /** Which forms of the platform are run (BENCH_FORMS, comma-separated; default both). */
  forms: formsFromEnv(process.env.BENCH_FORMS),
};
function formsFromEnv(value: string | undefined): ReadonlySet<'embedded' | 'distributed'> {
  const all = ['embedded', 'distributed'] as const;
  if (!value?.trim()) return new Set(all);
  const asked = value.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = asked.filter((f) => !(all as readonly string[]).includes(f));
  if (unknown.length) throw new Error(`BENCH_FORMS: unknown form(s) ${unknown.join(', ')} (expected embedded and/or distributed)`);
  return new Set(asked as ('embedded' | 'distributed')[]);
}
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
let cleaning: Promise<void> | undefined;
/** Runs them one after the other; a second caller (a signal during a run) waits for the same run. */
function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { what, run } = cleanups.pop()!;
      try {
        await run();
      } catch (error) {
        log(`cleanup failed (${what}): ${(error as Error).message}`);
      }
    }
  })().finally(() => (cleaning = undefined));
  return cleaning;
}

// ---------------------------------------------------------------- child processes

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  stderr: string;
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

interface StopOptions {
  /** Signal asking it to stop (default SIGTERM). */
  readonly signal?: NodeJS.Signals;
  /** How long it may take before SIGKILL (default 15 s). */
  readonly graceMs?: number;
  /** Processes it started, SIGKILLed too if it had to be SIGKILLed (they would be left behind otherwise). */
  readonly descendants?: () => readonly number[];
}

function startChild(entry: string, env: Record<string, string>, stopOptions: StopOptions = {}): Child {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '-r', REGISTER, entry], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
        proc.kill(stopOptions.signal ?? 'SIGTERM');
        const timer = setTimeout(() => {
          log(`${entry} did not stop within ${stopOptions.graceMs ?? 15_000} ms: SIGKILL`);
          proc.kill('SIGKILL');
          for (const pid of stopOptions.descendants?.() ?? []) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }, stopOptions.graceMs ?? 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return proc.exitCode;
    },
  };
  proc.stderr!.on('data', (chunk: Buffer) => (child.stderr += chunk.toString()));
  // BENCH_SERVER_LOG=<file>: every server process's output (its log lines) appended there when it exits.
  if (process.env.BENCH_SERVER_LOG) proc.once('close', () => appendFileSync(process.env.BENCH_SERVER_LOG!, [...lines, buffer, child.stderr].join('\n')));
  onCleanup(`stop ${entry}`, () => child.stop());
  return child;
}

const alive = (child: Child): boolean => child.process.exitCode === null && child.process.signalCode === null;
const childFailure = (child: Child, what: string): Error =>
  new Error(`${what} (exit ${child.process.exitCode ?? child.process.signalCode}):\n${[...child.lines.slice(-10), child.stderr.trim()].join('\n')}`);

/** CPU seconds (user + system) processes have used so far, from /proc (NaN where there is none). */
function cpuSeconds(pids: readonly (number | undefined)[]): number {
  return pids.reduce<number>((sum, pid) => sum + processCpuSeconds(pid), 0);
}
function processCpuSeconds(pid: number | undefined): number {
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
  /** CPU seconds during the timed load: server process(es) and this (load generator) process. */
  readonly serverCpuS: number;
  readonly loadgenCpuS: number;
  /** CPU seconds used by every other process on the machine during the timed load (other people's work). */
  readonly otherCpuS: number;
}

async function measure(origin: string, path: string, pids: () => readonly (number | undefined)[], trackHeader?: string): Promise<Measured> {
  const request = () => ({ method: 'POST' as const, path, body: receiptBody });
  const warm = await runLoad({ origin, concurrency: config.concurrency, count: config.warmup, request });
  if (warm.ok === 0) throw new Error(`warm-up: no request acknowledged; first failures: ${warm.sampleFailures.join(' | ')}`);
  const server0 = cpuSeconds(pids());
  const own0 = ownCpuSeconds();
  const busy0 = machineBusySeconds();
  const load = await runLoad({ origin, concurrency: config.concurrency, durationMs: config.seconds * 1000, request, ...(trackHeader ? { trackHeader } : {}) });
  const serverCpuS = cpuSeconds(pids()) - server0;
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
    return await measure(`http://127.0.0.1:${port}`, '/receipts', () => [child.process.pid]);
  } finally {
    await child.stop();
  }
}

/** One form of the platform (embedded or distributed), measured the same way. */
interface PlatformMeasured extends Measured {
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
  /** OS processes serving it (their CPU is the "srv" cores): 1 embedded; launcher + relay + 4 services distributed. */
  readonly processes: number;
  /**
   * Distributed: Kafka consumer groups of this run that other runs on the same broker joined too (group ids are
   * not prefixed), with the other runs' topics the broker assigned to this run's members (kafkajs drops them).
   */
  readonly sharedConsumerGroups?: Record<string, string[]>;
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

/** POST `path` until it is answered 201 (distributed: a service learns of items and warehouses from the log). */
async function firstAccepted(origin: string, path: string, body: unknown, what: string, timeoutMs = 60_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    const r = await httpCall(origin, 'POST', path, body);
    if (r.status === 201) return;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: still ${r.status} after ${timeoutMs} ms: ${r.text.slice(0, 300)}`);
    await sleep(50);
  }
}

/** Events parked by the read models (and the relay): /status of the embedded platform or the distributed aggregate. */
function parkedIn(status: unknown): number {
  type One = { projections?: { parked?: number }[] };
  const one = (s: One | undefined): number => (s?.projections ?? []).reduce((n, p) => n + (p.parked ?? 0), 0);
  const aggregate = status as { services?: Record<string, One>; relay?: { parked?: number } } | undefined;
  if (aggregate?.services) return Object.values(aggregate.services).reduce((n, s) => n + one(s), 0) + (aggregate.relay?.parked ?? 0);
  return one(status as One | undefined);
}

/**
 * The same load on either form, through `origin`: item + warehouse set up, receipts (load, catch-up, on-hand
 * check, sequential POST → GET ?minPosition pairs), then orders when POST /orders exists.
 */
async function exercise(label: string, origin: string, pids: () => readonly (number | undefined)[], lines: readonly string[], startupS: number): Promise<PlatformMeasured> {
  const item = await httpCall(origin, 'PUT', `/items/${SKU}`, { description: 'Bench widget', unit: 'each' });
  if (item.status !== 201 && item.status !== 200) throw new Error(`PUT /items/${SKU}: ${item.status} ${item.text}`);
  const wh = await httpCall(origin, 'POST', '/warehouses', { code: WAREHOUSE, name: 'Bench warehouse' });
  if (wh.status !== 201) throw new Error(`POST /warehouses: ${wh.status} ${wh.text}`);

  const path = `/warehouses/${WAREHOUSE}/receipts`;
  // One receipt first (distributed: until the warehouse service knows the SKU); it is counted in the on-hand check.
  await firstAccepted(origin, path, receiptBody, `${label}: first receipt`);
  log(`${label}: warm-up ${config.warmup}, then ${config.seconds} s of POST ${path} from ${config.concurrency} clients`);
  const measured = await measure(origin, path, pids, 'bintrail-position');
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
  // All receipts so far: the first one, the warm-up's and the load's acknowledged ones, quantity 1 each.
  const onHandExpected = 1 + config.warmup - measured.warmupFailed + load.ok;
  log(`${label}: ${Math.round(load.okPerSecond)} acked/s, catch-up ${round(catchUpS, 2)} s, on hand ${onHandSeen} (expected ${onHandExpected})`);

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

  const orders = await probeOrders(origin, pids, label);
  const parked = parkedIn((await httpCall(origin, 'GET', '/status')).json);
  const warnings = lines.filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'));

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
    processes: pids().length,
  };
}

async function embedded(): Promise<PlatformMeasured> {
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
    return await exercise('embedded', origin, () => [child.process.pid], child.lines, startupS);
  } finally {
    const code = await child.stop();
    if (code !== 0) log(`platform exited with ${code}; stderr: ${child.stderr.trim().slice(-500)}`);
  }
}

/** Drops a distributed run's schema and deletes its topics (`<prefix>.*`). */
async function dropSchemaAndTopics(unique: string, brokers: string): Promise<void> {
  const db = new Client({ connectionString: config.url });
  await db.connect();
  try {
    await db.query(`DROP SCHEMA IF EXISTS "${unique}" CASCADE`);
  } finally {
    await db.end();
  }
  const admin = new Kafka({ brokers: brokers.split(','), clientId: `bench-platform-${tag}`, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${unique}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    log(`distributed: dropped schema ${unique}, deleted ${topics.length} topics`);
  } finally {
    await admin.disconnect();
  }
}

/** kafkajs's 'Consumer group received unsubscribed topics' warnings: group id → topics not of this run. */
function sharedConsumerGroups(lines: readonly string[], unique: string): Record<string, string[]> {
  const shared: Record<string, Set<string>> = {};
  for (const line of lines) {
    if (!line.includes('received unsubscribed topics')) continue;
    try {
      const record = JSON.parse(line.slice(line.indexOf('{'))) as { groupId?: string; topicsNotSubscribed?: string[] };
      const foreign = (record.topicsNotSubscribed ?? []).filter((topic) => !topic.startsWith(`${unique}.`));
      if (record.groupId && foreign.length) foreign.forEach((topic) => (shared[record.groupId!] ??= new Set()).add(topic));
    } catch {
      // not a JSON log line
    }
  }
  return Object.fromEntries(Object.entries(shared).map(([group, topics]) => [group, [...topics].sort()]));
}

/** The processes the launcher started, from its output: `relay started (pid N)`, `<service> service on <url> (pid N)`. */
function launcherChildren(lines: readonly string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^(?:relay started|\w+ service on \S+) \(pid (\d+)\)$/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * `npm run start:distributed` (tools/distributed/start-distributed.ts) as a child process: its own schema and
 * topic prefix, a free proxy port, the services on free ports, the broker given (KAFKA_BROKERS, default
 * 127.0.0.1:9092, so the launcher never starts or stops one). Stopped with SIGINT; then its schema is
 * dropped and its topics deleted.
 */
async function distributed(): Promise<PlatformMeasured> {
  const unique = `bench_dist_${tag}`;
  const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  onCleanup(`drop schema ${unique} and its topics`, () => dropSchemaAndTopics(unique, brokers));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = startChild(
    join(REPO_ROOT, 'tools', 'distributed', 'start-distributed.ts'),
    {
      DATABASE_URL: config.url,
      KAFKA_BROKERS: brokers,
      BINTRAIL_SCHEMA: unique,
      BINTRAIL_TOPIC_PREFIX: unique,
      TOPIC_PARTITIONS: String(config.topicPartitions),
      PORT: String(port),
      HOST: '127.0.0.1',
      BINTRAIL_SERVICE_BASE_PORT: '0',
    },
    { signal: 'SIGINT', graceMs: 60_000, descendants: () => launcherChildren(child.lines) },
  );
  while (!child.lines.some((l) => l.startsWith('Bintrail (distributed) API on '))) {
    if (!alive(child) || performance.now() - t0 > 180_000) throw childFailure(child, 'the distributed platform did not start');
    await sleep(100);
  }
  // The aggregate GET /status: every service answers and the relay is active.
  let status = await httpCall(origin, 'GET', '/status');
  while (status.status !== 200 && performance.now() - t0 < 180_000) {
    await sleep(200);
    status = await httpCall(origin, 'GET', '/status');
  }
  if (status.status !== 200) throw new Error(`GET /status: ${status.status} ${status.text.slice(0, 500)}`);
  const startupS = (performance.now() - t0) / 1000;
  const pids = (): number[] => [child.process.pid!, ...launcherChildren(child.lines)];
  log(`distributed platform up in ${round(startupS, 1)} s at ${origin} (schema and topic prefix ${unique}; ${pids().length} processes)`);
  try {
    const measured = await exercise('distributed', origin, pids, child.lines, startupS);
    return { ...measured, sharedConsumerGroups: sharedConsumerGroups(child.lines, unique) };
  } finally {
    const code = await child.stop();
    if (code !== 0) log(`the launcher exited with ${code}; output: ${[...child.lines.slice(-10), child.stderr.trim().slice(-500)].join('\n')}`);
  }
}

/** POST /orders: 404 "Cannot POST" means the route is not wired yet; otherwise orders are measured. */
async function probeOrders(origin: string, pids: () => readonly (number | undefined)[], label: string): Promise<OrdersOutcome> {
  const r = await httpCall(origin, 'POST', '/orders', {});
  if (r.status === 404 && /Cannot POST/i.test(r.text)) return { available: false, note: 'not measured (POST /orders not available)' };
  log(`${label}: POST /orders exists (answered ${r.status} to an empty probe): measuring orders`);
  try {
    const measured = await measureOrders(origin, pids, label);
    return { available: true, note: 'measured', measured };
  } catch (error) {
    log(`${label} orders FAILED: ${(error as Error).stack ?? String(error)}`);
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
    await sleep(performance.now() - started < 1000 ? 2 : 25); // no busy polling of an order that takes long
  }
}

/**
 * Orders, the same way as receipts: stock first (one big receipt), a warm-up, BENCH_SECONDS of
 * POST /orders {lines: [{sku, quantity: 1}]}; catch-up = until the last acknowledged order shows
 * 'allocated' in GET /orders/:id; then every acknowledged order is checked (untimed; if some were not
 * allocated yet, catch-up is extended to when they all were). Then sequential POST → allocated pairs.
 */
async function measureOrders(origin: string, pids: () => readonly (number | undefined)[], label: string): Promise<OrdersMeasured> {
  const stock = await httpCall(origin, 'POST', `/warehouses/${WAREHOUSE}/receipts`, { sku: SKU, quantity: 1_000_000 });
  if (stock.status !== 201) throw new Error(`stock receipt: ${stock.status} ${stock.text.slice(0, 300)}`);
  const orderBody = { lines: [{ sku: SKU, quantity: 1 }] };
  // Distributed: the order service learns of the SKU and the warehouse from the log; the first order waits for that.
  await firstAccepted(origin, '/orders', orderBody, `${label}: first order`);
  const request = () => ({ method: 'POST' as const, path: '/orders', body: orderBody });
  const warm = await runLoad({ origin, concurrency: config.concurrency, count: Math.min(config.warmup, 100), request });
  if (warm.ok === 0) throw new Error(`warm-up: no order acknowledged; first failures: ${warm.sampleFailures.join(' | ')}`);

  const orderIds: string[] = [];
  const server0 = cpuSeconds(pids());
  const own0 = ownCpuSeconds();
  const busy0 = machineBusySeconds();
  log(`${label} orders: ${config.seconds} s of POST /orders from ${config.concurrency} clients`);
  const load = await runLoad({
    origin,
    concurrency: config.concurrency,
    durationMs: config.seconds * 1000,
    request,
    trackHeader: 'bintrail-position',
    onAcked: (text) => orderIds.push((JSON.parse(text) as { orderId: string }).orderId),
  });
  const loadEnd = performance.now();
  const serverCpuS = cpuSeconds(pids()) - server0;
  const loadgenCpuS = ownCpuSeconds() - own0;
  const otherCpuS = Math.max(0, machineBusySeconds() - busy0 - serverCpuS - loadgenCpuS);
  if (orderIds.length === 0) throw new Error(`no order acknowledged; first failures: ${load.sampleFailures.join(' | ')}`);

  // One deadline for the whole check (not one per order: orders that never get allocated must not add up).
  const deadline = loadEnd + config.ordersCatchUpS * 1000;
  const remaining = (): number => Math.max(0, deadline - performance.now());
  const lastStatus = await awaitAllocation(origin, orderIds.at(-1)!, load.maxHeader, remaining());
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
          status = await awaitAllocation(origin, id, NaN, remaining());
        }
        if (status === 'allocated') allocated++;
        else notAllocated[status] = (notAllocated[status] ?? 0) + 1;
      }
    }),
  );
  if (lateOnes > 0) {
    catchUpS = (performance.now() - loadEnd) / 1000;
    log(`${label} orders: ${lateOnes} orders were not allocated yet when the last one was; catch-up extended to the end of the check`);
  }
  log(`${label} orders: ${Math.round(load.okPerSecond)} acked/s, last order ${lastStatus} after ${round(catchUpS, 2)} s; ${allocated}/${orderIds.length} allocated`);

  const pairMs: number[] = [];
  let pairFailed = 0;
  const pairs = Math.min(config.pairs, 50);
  // A pair that is not allocated within 10 s failed; after 3 such, the rest are not tried (counted as failed).
  for (let i = 0; i < pairs; i++) {
    if (pairFailed >= 3) {
      log(`${label} orders: ${pairFailed} POST → allocated pairs failed; the other ${pairs - i} are not tried`);
      pairFailed += pairs - i;
      break;
    }
    const start = performance.now();
    const posted = await httpCall(origin, 'POST', '/orders', orderBody);
    if (posted.status < 200 || posted.status > 299) {
      pairFailed++;
      continue;
    }
    const status = await awaitAllocation(origin, (posted.json as { orderId: string }).orderId, Number(posted.headers['bintrail-position']), 10_000);
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
  let emb: PlatformMeasured | null = null;
  if (config.forms.has('embedded')) {
    log('embedded platform');
    emb = await attempt('embedded', () => embedded());
    await runCleanups();
  } else log('embedded platform: skipped (BENCH_FORMS)');
  let dist: (PlatformMeasured & { sharedConsumerGroups?: Record<string, string[]> }) | null = null;
  if (config.forms.has('distributed')) {
    log('distributed platform (npm run start:distributed: relay + 4 services on PostgreSQL + Kafka behind one proxy port)');
    dist = await attempt('distributed', () => distributed());
    await runCleanups();
  } else log('distributed platform: skipped (BENCH_FORMS)');
  const distNote = dist
    ? 'measured'
    : config.forms.has('distributed')
      ? `not measured (the distributed run failed: ${errors.distributed?.slice(0, 300) ?? 'unknown'})`
      : 'not measured (skipped: BENCH_FORMS)';

  const checks: Record<string, string> = {};
  const ord = emb?.orders.measured ?? null;
  const dOrd = dist?.orders.measured ?? null;
  // Key names: embedded_* and orders_* (as before) for the embedded form, distributed_* for the distributed one.
  const formChecks = (form: 'embedded' | 'distributed', m: PlatformMeasured | null, o: OrdersMeasured | null, ordersPrefix: string): void => {
    if (m && m.onHandSeen !== m.onHandExpected) checks[`${form}_on_hand`] = `read model shows ${m.onHandSeen} on hand, ${m.onHandExpected} receipts were acknowledged`;
    if (m && m.load.failed > 0) checks[`${form}_failed`] = `${m.load.failed} of ${m.load.sent} receipts not acknowledged: ${m.load.sampleFailures.join(' | ')}`;
    if (m && m.visible.failed > 0) checks[`${form}_pairs`] = `${m.visible.failed} of ${config.pairs} POST→GET pairs failed`;
    if (o && o.load.failed > 0) checks[`${ordersPrefix}orders_failed`] = `${o.load.failed} of ${o.load.sent} orders not acknowledged: ${o.load.sampleFailures.join(' | ')}`;
    if (o && Object.keys(o.notAllocated).length) checks[`${ordersPrefix}orders_not_allocated`] = `${o.load.ok - o.allocated} acknowledged orders not allocated: ${JSON.stringify(o.notAllocated)}`;
    if (o && o.visible.failed > 0) checks[`${ordersPrefix}orders_pairs`] = `${o.visible.failed} POST→allocated pairs failed`;
    if (m && m.parked > 0) checks[`${form}_parked`] = `${m.parked} events parked by the read models${form === 'distributed' ? ' or the relay' : ''}`;
  };
  formChecks('embedded', emb, ord, '');
  formChecks('distributed', dist, dOrd, 'distributed_');
  for (const [name, b] of [['baseline-pglite', bPglite], ['baseline-postgres', bPostgres]] as const) {
    if (b && b.load.failed > 0) checks[name] = `${b.load.failed} of ${b.load.sent} requests failed: ${b.load.sampleFailures.join(' | ')}`;
  }

  const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b === 0 ? null : round(a / b, 2));
  const ratioAcked = ratio(emb?.load.okPerSecond, bPglite?.load.okPerSecond);
  const ratioE2e = ratio(emb?.e2ePerSecond, bPglite?.load.okPerSecond);
  const ratioPostgres = ratio(emb?.e2ePerSecond, bPostgres?.load.okPerSecond);
  const ratioDist = {
    receipts_acked: ratio(dist?.load.okPerSecond, emb?.load.okPerSecond),
    receipts_e2e: ratio(dist?.e2ePerSecond, emb?.e2ePerSecond),
    orders_e2e: ratio(dOrd?.e2ePerSecond, ord?.e2ePerSecond),
  };
  const ratioDistPostgres = ratio(dist?.e2ePerSecond, bPostgres?.load.okPerSecond);
  const targets = [
    { name: 'embedded receipts e2e >= 1000/s', value: emb ? Math.round(emb.e2ePerSecond) : null, goal: 1000 },
    { name: 'embedded orders e2e >= 300/s', value: ord ? Math.round(ord.e2ePerSecond) : null, goal: 300 },
    { name: 'embedded receipts e2e ÷ baseline-pglite >= 0.5', value: ratioE2e, goal: 0.5 },
  ].map((t) => ({ ...t, pass: t.value === null ? null : t.value >= t.goal }));

  const dash = '—';
  const row = (name: string, m: Measured | null, e2e?: number, catchUp?: number, missing = 'failed'): (string | number)[] =>
    m
      ? [name, Math.round(m.load.okPerSecond), e2e === undefined ? dash : Math.round(e2e), round(m.load.p50Ms, 1), round(m.load.p99Ms, 1), m.load.ok, m.load.failed, catchUp === undefined ? dash : round(catchUp, 2), `${round(m.serverCpuS / m.load.seconds, 2)} / ${round(m.loadgenCpuS / m.load.seconds, 2)} / ${round(m.otherCpuS / m.load.seconds, 2)}`]
      : [name, missing, dash, dash, dash, dash, dash, dash, dash];
  const ordersRow = (form: string, m: PlatformMeasured | null, o: OrdersMeasured | null, failedNote: string): (string | number)[] =>
    o ? row(`${form} orders (until allocated)`, o, o.e2ePerSecond, o.catchUpS) : [`${form} orders`, `orders: ${m?.orders.note ?? failedNote}`];
  const out: string[] = [];
  out.push(`Platform bench — node ${process.version}, ${os.cpus().length} CPUs, ${config.concurrency} keep-alive clients, ${config.seconds} s per load after ${config.warmup} warm-up requests${quick ? ' (quick)' : ''}`);
  out.push('');
  out.push(
    table([
      ['POST → 201', 'acked/s', 'e2e/s', 'p50 ms', 'p99 ms', 'acked', 'failed', 'catch-up s', 'cores srv / loadgen / others'],
      row('baseline-pglite (node:http + INSERT)', bPglite),
      row('baseline-postgres (node:http + INSERT)', bPostgres),
      row('embedded receipts', emb, emb?.e2ePerSecond, emb?.catchUpS, config.forms.has('embedded') ? 'failed' : 'skipped'),
      ordersRow('embedded', emb, ord, config.forms.has('embedded') ? 'not measured (the embedded run failed)' : 'not measured (skipped: BENCH_FORMS)'),
      row('distributed receipts (via proxy)', dist, dist?.e2ePerSecond, dist?.catchUpS, config.forms.has('distributed') ? 'failed' : 'skipped'),
      ordersRow('distributed', dist, dOrd, distNote),
    ]),
  );
  out.push(
    `(cores: CPU used during the timed load by the server process(es) — distributed: launcher/proxy + relay + 4 services — / this load generator / every other process on the machine; load average ${loadBefore} before, ${os.loadavg().map((v) => v.toFixed(1)).join(' ')} after)`,
  );
  out.push('(e2e/s = acked ÷ (load time + catch-up until GET ?minPosition=<last position> answers); a baseline INSERT is readable once acked)');
  if (emb || dist) {
    const pairCells = (m: PlatformMeasured | null, pick: (m: PlatformMeasured) => [number, number] | undefined): (string | number)[] => {
      const v = m && pick(m);
      return v ? [round(v[0], 1), round(v[1], 1)] : [dash, dash];
    };
    const pairsOf = (o: OrdersMeasured | null | undefined): string => (o ? String(o.visible.n) : dash);
    out.push('');
    out.push(
      table([
        [`sequential pairs (receipts: ${emb?.visible.n ?? dash} embedded, ${dist?.visible.n ?? dash} distributed)`, 'emb p50 ms', 'emb p99 ms', 'dist p50 ms', 'dist p99 ms'],
        ['POST receipt → 201', ...pairCells(emb, (m) => [m.visible.postP50, m.visible.postP99]), ...pairCells(dist, (m) => [m.visible.postP50, m.visible.postP99])],
        ['POST receipt → GET /inventory ?minPosition= 200', ...pairCells(emb, (m) => [m.visible.p50, m.visible.p99]), ...pairCells(dist, (m) => [m.visible.p50, m.visible.p99])],
        ...(ord || dOrd
          ? [
              [
                `POST /orders → GET /orders/:id 'allocated' (${pairsOf(ord)} / ${pairsOf(dOrd)} pairs)`,
                ...pairCells(ord ? emb : null, () => [ord!.visible.p50, ord!.visible.p99]),
                ...pairCells(dOrd ? dist : null, () => [dOrd!.visible.p50, dOrd!.visible.p99]),
              ],
            ]
          : []),
      ]),
    );
  }
  out.push('');
  out.push(
    `ratio embedded receipts ÷ baseline-pglite: acked ${ratioAcked?.toFixed(2) ?? 'n/a'}, e2e ${ratioE2e?.toFixed(2) ?? 'n/a'}; ` +
      `e2e ÷ baseline-postgres ${ratioPostgres?.toFixed(2) ?? 'n/a'}`,
  );
  out.push(
    `ratio distributed ÷ embedded: receipts acked ${ratioDist.receipts_acked?.toFixed(2) ?? 'n/a'}, receipts e2e ${ratioDist.receipts_e2e?.toFixed(2) ?? 'n/a'}, ` +
      `orders e2e ${ratioDist.orders_e2e?.toFixed(2) ?? 'n/a'}; distributed receipts e2e ÷ baseline-postgres ${ratioDistPostgres?.toFixed(2) ?? 'n/a'}` +
      (dist ? ` (distributed startup ${round(dist.startupS, 1)} s, ${dist.processes} processes)` : ''),
  );
  out.push('targets:');
  for (const t of targets) out.push(`  ${t.pass === null ? 'n/a ' : t.pass ? 'met ' : 'MISS'}  ${t.name}  (${t.value === null ? 'not measured' : t.value})`);
  if (Object.keys(checks).length) {
    out.push('');
    out.push('checks that failed:');
    for (const [k, v] of Object.entries(checks)) out.push(`  ${k}: ${v}`);
  }
  if (emb?.warnings.length) out.push(`(the platform logged ${emb.warnings.length} warn/error lines; first: ${emb.warnings[0]!.slice(0, 300)})`);
  if (dist?.sharedConsumerGroups && Object.keys(dist.sharedConsumerGroups).length) {
    const groups = Object.entries(dist.sharedConsumerGroups).map(([group, topics]) => `${group} (${topics.length} topics of other runs, e.g. ${topics[0]})`);
    out.push(`(distributed: Kafka consumer groups shared with another run on the same broker — figures may suffer from its rebalances: ${groups.join('; ')})`);
  }
  if (dist?.warnings.length) out.push(`(the distributed processes logged ${dist.warnings.length} warn/error lines; first: ${dist.warnings[0]!.slice(0, 300)})`);
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
  const formFigures = (m: PlatformMeasured, o: OrdersMeasured | null) => ({
    startup_s: round(m.startupS, 2),
    receipts: {
      ...figures(m),
      e2e_per_s: Math.round(m.e2ePerSecond),
      catch_up_s: round(m.catchUpS, 3),
      last_position: m.lastPosition,
      on_hand_seen: m.onHandSeen,
      on_hand_expected: m.onHandExpected,
      visible_pairs: m.visible.n,
      visible_p50_ms: round(m.visible.p50, 2),
      visible_p99_ms: round(m.visible.p99, 2),
      post_p50_ms: round(m.visible.postP50, 2),
      post_p99_ms: round(m.visible.postP99, 2),
    },
    orders: o && {
      ...figures(o),
      e2e_per_s: Math.round(o.e2ePerSecond),
      catch_up_s: round(o.catchUpS, 3),
      allocated: o.allocated,
      not_allocated: o.notAllocated,
      visible_pairs: o.visible.n,
      visible_p50_ms: round(o.visible.p50, 2),
      visible_p99_ms: round(o.visible.p99, 2),
    },
    orders_note: m.orders.note,
  });
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
    embedded: emb && formFigures(emb, ord),
    distributed: dist && {
      ...formFigures(dist, dOrd),
      processes: dist.processes,
      topic_partitions: config.topicPartitions,
      warn_error_lines: dist.warnings.length,
      consumer_groups_shared_with_other_runs: dist.sharedConsumerGroups ?? {},
    },
    distributed_note: distNote,
    ratio_receipts_over_baseline_pglite: { acked: ratioAcked, e2e: ratioE2e },
    ratio_receipts_e2e_over_baseline_postgres: ratioPostgres,
    ratio_distributed_over_embedded: ratioDist,
    ratio_distributed_receipts_e2e_over_baseline_postgres: ratioDistPostgres,
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
