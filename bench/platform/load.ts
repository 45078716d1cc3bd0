/**
 * Closed-loop HTTP load generator for bench/platform: N concurrent keep-alive clients (one undici
 * connection each, no pipelining), each sending its next request as soon as the previous answer has
 * been read, for a fixed duration or a fixed total count. Every request's latency (send → full body
 * read) is recorded; quantiles come from bench/stats.ts.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from '../stats';

export interface LoadRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly body?: unknown;
}

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  readonly origin: string;
  /** Concurrent clients (connections), default 16. */
  readonly concurrency?: number;
  /** Stop starting new requests after this many ms (in-flight ones are awaited). */
  readonly durationMs?: number;
  /** Or: stop after this many requests in total. */
  readonly count?: number;
  /** The i-th request (0-based, across all clients). */
  readonly request: (i: number) => LoadRequest;
  /** Status codes that count as acknowledged (default 200, 201, 202). */
  readonly okStatus?: readonly number[];
  /** A response header whose numeric value is tracked (max over all acknowledged answers), e.g. bintrail-position. */
  readonly trackHeader?: string;
  /** Called with each acknowledged answer's body (e.g. to collect the ids of what was created). */
  readonly onAcked?: (body: string) => void;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Wall time from the first request sent to the last answer read. */
  readonly seconds: number;
  readonly okPerSecond: number;
  /** Latencies in ms of the acknowledged requests, ascending. */
  readonly latenciesMs: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly statuses: Record<string, number>;
  /** Max value of trackHeader over acknowledged answers (NaN when none / not tracked). */
  readonly maxHeader: number;
  /** The first few failures (status and body), for the report. */
  readonly sampleFailures: string[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const concurrency = options.concurrency ?? 16;
  if (options.durationMs === undefined && options.count === undefined) throw new Error('runLoad needs durationMs or count');
  const okStatus = new Set(options.okStatus ?? [200, 201, 202]);
  const pool = new Pool(options.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const sampleFailures: string[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  let maxHeader = NaN;
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const more = (): boolean => (options.count === undefined || next < options.count) && performance.now() < deadline;

  async function client(): Promise<void> {
    while (more()) {
      const i = next++;
      const spec = options.request(i);
      const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const t0 = performance.now();
      try {
        const response = await pool.request({
          method: spec.method,
          path: spec.path,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.body.text();
        const ms = performance.now() - t0;
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (okStatus.has(response.statusCode)) {
          ok++;
          latencies.push(ms);
          options.onAcked?.(text);
          if (options.trackHeader) {
            const raw = response.headers[options.trackHeader];
            const value = Number(Array.isArray(raw) ? raw[0] : raw);
            if (Number.isFinite(value) && !(value <= maxHeader)) maxHeader = value;
          }
        } else {
          failed++;
          if (sampleFailures.length < 3) sampleFailures.push(`${response.statusCode} ${text.slice(0, 200)}`);
        }
      } catch (error) {
        failed++;
        statuses.error = (statuses.error ?? 0) + 1;
        if (sampleFailures.length < 3) sampleFailures.push(`error ${(error as Error).message}`);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, () => client()));
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    sent: next,
    ok,
    failed,
    seconds,
    okPerSecond: ok / seconds,
    latenciesMs: latencies,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
    maxHeader,
    sampleFailures,
  };
}

/** One request outside the load loop (setup, probes, catch-up polls). */
export async function httpCall(origin: string, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Record<string, string>; text: string; json: unknown }> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text, json };
}
