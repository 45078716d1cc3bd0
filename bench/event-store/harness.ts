/**
 * Shared by the orchestrator (run.ts) and the contender child processes: configuration, the event
 * payload, admin SQL helpers, and the one workload every contender runs identically.
 */
export { envInt } from '../stats';
import { percentile } from '../stats';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

export const CASES = ['append_1_event_sequential', 'append_100_event_batch', 'append_10_writers', 'catch_up_read'] as const;
export type CaseName = (typeof CASES)[number];

export interface BenchConfig {
  readonly url: string;
  /** Unique per run; every schema and database the run creates carries it (so the final sweep finds them). */
  readonly tag: string;
  readonly quick: boolean;
  /** Case 1: single-event appends, each to a new stream. */
  readonly n: number;
  /** Case 2: number of batch appends, each of `batchSize` events to a new stream. */
  readonly m: number;
  readonly batchSize: number;
  /** Case 3: concurrent writers and single-event appends per writer. */
  readonly writers: number;
  readonly writerOps: number;
  /** Case 4: events written before the read, and the read batch size. */
  readonly readEvents: number;
  readonly readBatch: number;
  /** Connection pool size of every contender (>= writers). */
  readonly poolSize: number;
  /** Un-timed operations per case before the clock starts (same schema, other streams). */
  readonly warmupOps: number;
  readonly cases: readonly CaseName[];
}

export interface BenchEvent {
  readonly type: string;
  readonly data: { sku: string; bin: string; quantity: number; lot: string; expiresOn: string; supplierRef: string };
  readonly metadata: { correlationId: string; causationId: string | null; actor: string; source: string };
}

/** A realistic warehouse event (~330 bytes of JSON with its metadata). */
export function stockReceived(i: number): BenchEvent {
  return {
    type: 'warehouse.StockReceived',
    data: {
      sku: `SKU-${(i % 9973).toString().padStart(5, '0')}`,
      bin: `A-${(i % 40).toString().padStart(2, '0')}-${(i % 7) + 1}`,
      quantity: 1 + (i % 48),
      lot: `LOT-2025-${(i % 997).toString().padStart(4, '0')}`,
      expiresOn: `2026-${((i % 12) + 1).toString().padStart(2, '0')}-15`,
      supplierRef: `PO-${100000 + (i % 50000)}`,
    },
    metadata: { correlationId: randomUUID(), causationId: null, actor: `user:receiver-${i % 23}`, source: 'bench.receiving' },
  };
}

/** One contender's store on fresh database objects (a fresh schema, or a fresh database). */
export interface Target {
  appendOne(streamId: string, event: BenchEvent): Promise<void>;
  appendBatch(streamId: string, events: readonly BenchEvent[]): Promise<void>;
  /**
   * Reads the whole global log from its start in batches (at most `limitBatches`); returns how many
   * events it was handed. `collect`, when given, receives each event's global position (verification, untimed).
   */
  readAll(batchSize: number, limitBatches?: number, collect?: (globalPosition: string) => void): Promise<number>;
  /** Rows in the events table (the check that every write landed). */
  count(): Promise<number>;
  /** VACUUM ANALYZE of the events table (done identically for every contender before the read). */
  vacuum(): Promise<void>;
  /** Closes the pool and drops everything `open` created. */
  dispose(): Promise<void>;
}

export interface Contender {
  readonly name: string;
  open(label: string, config: BenchConfig): Promise<Target>;
}

export interface CaseResult {
  readonly case: CaseName;
  readonly perSecond: number | null;
  readonly events?: number;
  readonly seconds?: number;
  readonly latencyMs?: { p50: number; p90: number; p99: number; max: number };
  readonly check?: { expected: number; actual: number };
  readonly extra?: Record<string, number>;
  readonly error?: string;
}

export interface ChildResult {
  readonly contender: string;
  readonly warmupSeconds: number;
  readonly cases: CaseResult[];
}

export type ChildMessage = { kind: 'progress'; text: string } | { kind: 'result'; result: ChildResult };


/** A URL for another database on the same server. */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Lower-case identifier for a case: c1..c4, or `warm`. */
export function objectName(prefix: string, config: BenchConfig, label: string): string {
  const name = `${prefix}_${config.tag}_${label}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad object name ${name}`);
  return name;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}


function latencySummary(samples: number[]): CaseResult['latencyMs'] {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(percentile(sorted, 50)), p90: r(percentile(sorted, 90)), p99: r(percentile(sorted, 99)), max: r(sorted[sorted.length - 1] ?? 0) };
}

async function writers(count: number, opsPerWriter: number, op: (writer: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, w) => {
      for (let i = 0; i < opsPerWriter; i++) await op(w, i);
    }),
  );
}

function events(count: number, offset: number): BenchEvent[] {
  return Array.from({ length: count }, (_, i) => stockReceived(offset + i));
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Stream ids shaped `<category>-<id>` (Emmett derives its stream type from the prefix). */
const stream = (label: string, i: number | string) => `warehouse-${label}-${i}`;

/** Short mixed warm-up of the Node side and the server connection(s) on throwaway objects. */
async function contenderWarmup(contender: Contender, config: BenchConfig): Promise<number> {
  const target = await contender.open('warm', config);
  try {
    return await timed(async () => {
      const ops = Math.max(20, config.warmupOps * 2);
      for (let i = 0; i < ops; i++) await target.appendOne(stream('w1', i), stockReceived(i));
      for (let i = 0; i < Math.max(3, config.warmupOps / 10); i++) await target.appendBatch(stream('w2', i), events(config.batchSize, i * 1000));
      await writers(config.writers, Math.max(3, config.warmupOps / 5), (w, i) => target.appendOne(stream('w3', `${w}-${i}`), stockReceived(i)));
      await target.readAll(Math.min(config.readBatch, 500));
    });
  } finally {
    await target.dispose();
  }
}

async function runCase(contender: Contender, config: BenchConfig, name: CaseName, progress: (text: string) => void): Promise<CaseResult> {
  const label = `c${CASES.indexOf(name) + 1}`;
  const target = await contender.open(label, config);
  const warm = config.warmupOps;
  try {
    switch (name) {
      case 'append_1_event_sequential': {
        const payload = events(config.n, 0);
        for (let i = 0; i < warm; i++) await target.appendOne(stream('pre', i), stockReceived(i));
        const samples: number[] = [];
        const seconds = await timed(async () => {
          for (let i = 0; i < config.n; i++) {
            const t0 = performance.now();
            await target.appendOne(stream(label, i), payload[i]!);
            samples.push(performance.now() - t0);
          }
        });
        return { case: name, perSecond: config.n / seconds, events: config.n, seconds, latencyMs: latencySummary(samples), check: { expected: config.n + warm, actual: await target.count() } };
      }
      case 'append_100_event_batch': {
        const payload = Array.from({ length: config.m }, (_, b) => events(config.batchSize, b * config.batchSize));
        const warmBatches = Math.max(3, Math.round(warm / 10));
        for (let i = 0; i < warmBatches; i++) await target.appendBatch(stream('pre', i), events(config.batchSize, i));
        const samples: number[] = [];
        const seconds = await timed(async () => {
          for (let b = 0; b < config.m; b++) {
            const t0 = performance.now();
            await target.appendBatch(stream(label, b), payload[b]!);
            samples.push(performance.now() - t0);
          }
        });
        const total = config.m * config.batchSize;
        return {
          case: name,
          perSecond: total / seconds,
          events: total,
          seconds,
          latencyMs: latencySummary(samples),
          check: { expected: total + warmBatches * config.batchSize, actual: await target.count() },
          extra: { appends_per_s: config.m / seconds },
        };
      }
      case 'append_10_writers': {
        const payload = Array.from({ length: config.writers }, (_, w) => events(config.writerOps, w * config.writerOps));
        const warmOps = Math.max(3, Math.round(warm / 5));
        await writers(config.writers, warmOps, (w, i) => target.appendOne(stream('pre', `${w}-${i}`), stockReceived(i)));
        const samples: number[] = [];
        const seconds = await timed(() =>
          writers(config.writers, config.writerOps, async (w, i) => {
            const t0 = performance.now();
            await target.appendOne(stream(label, `${w}-${i}`), payload[w]![i]!);
            samples.push(performance.now() - t0);
          }),
        );
        const total = config.writers * config.writerOps;
        return {
          case: name,
          perSecond: total / seconds,
          events: total,
          seconds,
          latencyMs: latencySummary(samples),
          check: { expected: total + config.writers * warmOps, actual: await target.count() },
        };
      }
      case 'catch_up_read': {
        // Written beforehand (not timed): batches of `batchSize` events, 4 loaders at once.
        const appends = Math.ceil(config.readEvents / config.batchSize);
        const loaders = 4;
        const loadSeconds = await timed(() =>
          writers(loaders, Math.ceil(appends / loaders), async (w, i) => {
            const b = w * Math.ceil(appends / loaders) + i;
            if (b < appends) await target.appendBatch(stream(label, b), events(config.batchSize, b * config.batchSize));
          }),
        );
        const stored = await target.count();
        progress(`loaded ${stored} events in ${loadSeconds.toFixed(1)}s; VACUUM ANALYZE`);
        await target.vacuum();
        await target.readAll(config.readBatch, 3); // warm-up: the first batches, not timed
        let seen = 0;
        const seconds = await timed(async () => {
          seen = await target.readAll(config.readBatch);
        });
        // Verification pass (untimed): was every stored event handed out exactly once?
        const distinct = new Set<string>();
        const delivered = await target.readAll(config.readBatch, Infinity, (p) => distinct.add(p));
        return {
          case: name,
          perSecond: seen / seconds,
          events: seen,
          seconds,
          check: { expected: stored, actual: distinct.size },
          extra: {
            load_events_per_s: stored / loadSeconds,
            batches: Math.ceil(seen / config.readBatch),
            delivered_twice: delivered - distinct.size,
            never_delivered: stored - distinct.size,
          },
        };
      }
    }
  } finally {
    await target.dispose();
  }
}

/** Entry point of a contender child: runs the cases, reports over IPC, exits. */
export function runChild(contender: Contender): void {
  const send = (message: ChildMessage) =>
    new Promise<void>((resolve) => {
      if (process.send) process.send(message, () => resolve());
      else {
        if (message.kind === 'progress') process.stderr.write(`${message.text}\n`);
        resolve();
      }
    });
  const progress = (text: string) => void send({ kind: 'progress', text: `${contender.name}: ${text}` });
  const main = async () => {
    const config = JSON.parse(process.env.BENCH_CONFIG ?? 'null') as BenchConfig | null;
    if (!config) throw new Error('BENCH_CONFIG is not set: run bench/event-store/run.ts');
    const warmupSeconds = await contenderWarmup(contender, config);
    progress(`warm-up ${warmupSeconds.toFixed(2)}s`);
    const cases: CaseResult[] = [];
    for (const name of config.cases) {
      try {
        const result = await runCase(contender, config, name, progress);
        cases.push(result);
        const failed = result.check && result.check.expected !== result.check.actual;
        progress(`${name}: ${Math.round(result.perSecond ?? 0)}/s${failed ? ` CHECK FAILED ${JSON.stringify({ ...result.check, ...result.extra })}` : ''}`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        cases.push({ case: name, perSecond: null, error: message.split('\n').slice(0, 4).join(' | ') });
        progress(`${name}: ERROR ${message}`);
      }
    }
    const result: ChildResult = { contender: contender.name, warmupSeconds, cases };
    if (process.send) await send({ kind: 'result', result });
    else process.stdout.write(`${JSON.stringify(result)}\n`); // run standalone (debugging)
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
