/**
 * Event store throughput: Bintrail's SqlEventStore vs Emmett (PostgreSQL) vs raw `pg`, same server,
 * same run. Each contender runs in its own child process (Emmett swaps pg's type parsers
 * process-wide) and each case on fresh database objects. Children's output is captured: stdout gets
 * the table and, as its very last line, one JSON object.
 *
 *   npm run bench:event-store [-- --quick] [-- --rounds=3] [-- --contenders=bintrail,raw_pg]
 *
 * Env: BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * BENCH_N, BENCH_M, BENCH_BATCH, BENCH_WRITERS, BENCH_WRITER_OPS, BENCH_READ_EVENTS, BENCH_READ_BATCH,
 * BENCH_POOL, BENCH_WARMUP, BENCH_ROUNDS, BENCH_CONTENDERS, BENCH_CASES. See README.md.
 */
import { median } from '../stats';
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { CASES, envInt, withClient, type BenchConfig, type CaseName, type CaseResult, type ChildMessage, type ChildResult } from './harness';

const CONTENDERS = ['bintrail', 'emmett', 'raw_pg'] as const;
type ContenderName = (typeof CONTENDERS)[number];
const ENTRY: Record<ContenderName, string> = {
  bintrail: 'contender-bintrail.ts',
  emmett: 'contender-emmett.ts',
  raw_pg: 'contender-raw-pg.ts',
};

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function listOption<T extends string>(raw: string | undefined, allowed: readonly T[], what: string): T[] {
  if (!raw) return [...allowed];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} '${item}' (one of ${allowed.join(', ')})`);
  return items as T[];
}

function buildConfig(): { config: BenchConfig; rounds: number; contenders: ContenderName[] } {
  const quick = process.argv.includes('--quick');
  const n = envInt('BENCH_N', quick ? 300 : 3000);
  const writers = envInt('BENCH_WRITERS', 10);
  const config: BenchConfig = {
    url: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    tag: `${Date.now().toString(36)}${process.pid.toString(36)}`.toLowerCase(),
    quick,
    n,
    m: envInt('BENCH_M', quick ? 20 : 200),
    batchSize: envInt('BENCH_BATCH', 100),
    writers,
    writerOps: envInt('BENCH_WRITER_OPS', Math.max(1, Math.round((2 * n) / writers))),
    readEvents: envInt('BENCH_READ_EVENTS', quick ? 5000 : 100_000),
    readBatch: envInt('BENCH_READ_BATCH', 1000),
    poolSize: Math.max(envInt('BENCH_POOL', 10), writers),
    warmupOps: envInt('BENCH_WARMUP', quick ? 20 : 100),
    cases: listOption(argValue('cases') ?? process.env.BENCH_CASES, CASES, 'case'),
  };
  const rounds = Number(argValue('rounds') ?? envInt('BENCH_ROUNDS', 1));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const contenders = listOption(argValue('contenders') ?? process.env.BENCH_CONTENDERS, CONTENDERS, 'contender');
  return { config, rounds, contenders };
}

const running = new Set<ChildProcess>();
let aborted = false;

/** Runs one contender in its own process; its stdout/stderr are captured, never passed through. */
function runContender(name: ContenderName, config: BenchConfig): Promise<ChildResult | { error: string }> {
  return new Promise((resolve) => {
    const child = fork(join(__dirname, ENTRY[name]), [], {
      cwd: join(__dirname, '..', '..'),
      execArgv: ['-r', join(__dirname, '..', '..', 'tools', 'register.cjs')],
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    running.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let result: ChildResult | undefined;
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'progress') log(message.text);
      else result = message.result;
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (result && code === 0) return resolve(result);
      const tail = output.trim().split('\n').slice(-15).join('\n');
      log(`${name} failed (exit ${code ?? signal}); its output:\n${tail}`);
      resolve({ error: `exit ${code ?? signal}: ${tail.split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/** Drops every schema and database this run created, whatever state the children left. */
async function sweep(config: BenchConfig): Promise<string[]> {
  return withClient(config.url, async (c) => {
    const dropped: string[] = [];
    const like = `%${config.tag}%`;
    const schemas = await c.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'bench\\_%' AND nspname LIKE $1`, [like]);
    for (const { name } of schemas.rows) {
      await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      dropped.push(`schema ${name}`);
    }
    const databases = await c.query<{ name: string }>(`SELECT datname AS name FROM pg_database WHERE datname LIKE 'bench\\_%' AND datname LIKE $1`, [like]);
    for (const { name } of databases.rows) {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      dropped.push(`database ${name}`);
    }
    return dropped;
  });
}

/** Median of the rounds, or null when a contender produced none. */
function medianOrNull(values: number[]): number | null {
  return values.length === 0 ? null : median(values);
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);
const fmtRatio = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(2)}x`);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { config, rounds, contenders } = buildConfig();
  const pgVersion = await withClient(config.url, async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v);
  log(
    `PostgreSQL ${pgVersion} at ${new URL(config.url).host}; node ${process.version}, ${os.cpus().length} cpus; ` +
      `N=${config.n} M=${config.m}x${config.batchSize} writers=${config.writers}x${config.writerOps} read=${config.readEvents}/${config.readBatch} ` +
      `pool=${config.poolSize} warm-up=${config.warmupOps} rounds=${rounds}${config.quick ? ' (quick)' : ''}`,
  );

  // per contender, per case: the per-second value of each round
  const samples = new Map<ContenderName, Map<CaseName, number[]>>(contenders.map((c) => [c, new Map()]));
  const details: Record<string, Record<string, unknown>> = {};
  const errors: Record<string, string> = {};
  /** Rows or events that did not add up: a finding about the contender (an error only for bintrail). */
  const checks: Record<string, string> = {};
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const name of contenders) {
        if (aborted) throw new Error('interrupted');
        log(`round ${round}/${rounds}: ${name}`);
        const outcome = await runContender(name, config);
        if ('error' in outcome) {
          errors[name] = outcome.error;
          continue;
        }
        for (const r of outcome.cases) {
          if (r.perSecond !== null) {
            const perCase = samples.get(name)!;
            perCase.set(r.case, [...(perCase.get(r.case) ?? []), r.perSecond]);
          }
          if (r.error) errors[`${name}.${r.case}`] = r.error;
          if (r.check && r.check.expected !== r.check.actual) {
            const twice = r.extra?.delivered_twice;
            const never = r.extra?.never_delivered;
            checks[`${name}.${r.case}${rounds > 1 ? ` (round ${round})` : ''}`] =
              r.case === 'catch_up_read'
                ? `${r.check.expected} events stored, ${r.check.actual} distinct delivered (${twice ?? '?'} delivered twice, ${never ?? '?'} never)`
                : `expected ${r.check.expected} rows, found ${r.check.actual}`;
          }
          details[name] ??= { warmup_s: Math.round(outcome.warmupSeconds * 100) / 100 };
          const { case: _case, perSecond: _ps, error: _err, ...rest } = r as CaseResult;
          details[name]![`${r.case}${rounds > 1 ? `_r${round}` : ''}`] = rest;
        }
      }
    }
  } finally {
    const dropped = await sweep(config).catch((error: unknown) => [`sweep failed: ${String(error)}`]);
    if (dropped.length) log(`swept leftovers: ${dropped.join(', ')}`);
  }

  const value = (c: ContenderName, k: CaseName) => medianOrNull(samples.get(c)?.get(k) ?? []);
  const rows = config.cases.map((k) => ({
    case: k,
    bintrail_per_s: value('bintrail', k),
    emmett_per_s: value('emmett', k),
    raw_pg_per_s: value('raw_pg', k),
  }));
  const scaling = (c: ContenderName) => ratio(value(c, 'append_10_writers'), value(c, 'append_1_event_sequential'));

  const out: string[] = [];
  out.push(`Event store throughput (events/s${rounds > 1 ? `, median of ${rounds} rounds` : ''}; PostgreSQL ${pgVersion}, node ${process.version}, ${os.cpus().length} cpus)`);
  out.push('');
  out.push(
    table(
      ['case', 'bintrail/s', 'emmett/s', 'raw pg/s', 'bintrail÷emmett', 'bintrail÷raw'],
      rows.map((r) => [r.case, fmt(r.bintrail_per_s), fmt(r.emmett_per_s), fmt(r.raw_pg_per_s), fmtRatio(ratio(r.bintrail_per_s, r.emmett_per_s)), fmtRatio(ratio(r.bintrail_per_s, r.raw_pg_per_s))]),
    ),
  );
  out.push('');
  out.push(`10 writers ÷ 1 writer: bintrail ${fmtRatio(scaling('bintrail'))}, emmett ${fmtRatio(scaling('emmett'))}, raw pg ${fmtRatio(scaling('raw_pg'))}`);

  const byCase = new Map(rows.map((r) => [r.case, r]));
  const targets: { name: string; value: number | null; goal: number; pass: boolean | null }[] = [];
  const target = (name: string, v: number | null, goal: number) => targets.push({ name, value: v, goal, pass: v === null ? null : v >= goal });
  for (const k of ['append_1_event_sequential', 'append_100_event_batch', 'append_10_writers'] as const) {
    const r = byCase.get(k);
    if (r) target(`${k}: bintrail÷emmett >= 1.0 (aim 1.5)`, ratio(r.bintrail_per_s, r.emmett_per_s), 1);
  }
  const batch = byCase.get('append_100_event_batch');
  if (batch) target('append_100_event_batch: bintrail÷raw >= 0.6', ratio(batch.bintrail_per_s, batch.raw_pg_per_s), 0.6);
  const read = byCase.get('catch_up_read');
  if (read) target('catch_up_read: bintrail >= 100000/s', read.bintrail_per_s, 100_000);
  if (byCase.has('append_10_writers') && byCase.has('append_1_event_sequential')) target('bintrail 10 writers ÷ 1 writer >= 1.8', scaling('bintrail'), 1.8);
  out.push('');
  out.push('targets:');
  for (const t of targets) {
    const shown = t.value === null ? 'n/a' : t.goal >= 1000 ? fmt(t.value) : t.value.toFixed(2);
    const aim = t.name.includes('aim 1.5') && t.value !== null ? (t.value >= 1.5 ? ', aim met' : ', aim not met') : '';
    out.push(`  ${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.name}  (${shown}${aim})`);
  }
  if (Object.keys(checks).length) {
    out.push('');
    out.push('correctness checks that failed:');
    for (const [k, v] of Object.entries(checks)) out.push(`  ${k}: ${v}`);
  }
  if (Object.keys(errors).length) {
    out.push('');
    out.push('errors:');
    for (const [k, v] of Object.entries(errors)) out.push(`  ${k}: ${v}`);
  }

  const round0 = (v: number | null) => (v === null ? null : Math.round(v));
  const json = {
    bench: 'event-store',
    node: process.version,
    cpus: os.cpus().length,
    postgres: pgVersion,
    quick: config.quick,
    rounds,
    rows: rows.map((r) => ({ case: r.case, bintrail_per_s: round0(r.bintrail_per_s), emmett_per_s: round0(r.emmett_per_s), raw_pg_per_s: round0(r.raw_pg_per_s) })),
    bintrail_10w_over_1w: scaling('bintrail'),
    emmett_10w_over_1w: scaling('emmett'),
    raw_pg_10w_over_1w: scaling('raw_pg'),
    config: {
      n: config.n,
      m: config.m,
      batch_size: config.batchSize,
      writers: config.writers,
      writer_ops: config.writerOps,
      read_events: config.readEvents,
      read_batch: config.readBatch,
      pool_size: config.poolSize,
      warmup_ops: config.warmupOps,
    },
    targets: targets.map((t) => ({ name: t.name, value: t.value === null ? null : Math.round(t.value * 100) / 100, pass: t.pass })),
    details,
    ...(Object.keys(checks).length ? { failed_checks: checks } : {}),
    ...(Object.keys(errors).length ? { errors } : {}),
  };
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify(json)}\n`);
  if (Object.keys(errors).length || Object.keys(checks).some((k) => k.startsWith('bintrail.'))) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    aborted = true;
    for (const child of running) child.kill('SIGTERM');
    // The children drop their own objects when they can; main()'s finally sweeps the rest.
  });
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
