/**
 * Shared pieces of the relay bench: configuration, realistic warehouse events, statistics, a logger
 * that keeps warnings in memory (nothing reaches stdout; they are shown on failure only), and a
 * pass-through bus that timestamps the relay's publishes.
 */
export { envInt, median, percentile } from '../stats';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EVENT_HEADERS, type NewEvent } from '@bintrail/contracts';
import type { ConsumeOptions, MessageBus, OutgoingMessage, RunningConsumer, TopicSpec } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';


export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(1);
  }
}

const BINS = 40;
const pad = (n: number, width: number): string => n.toString().padStart(width, '0');

/**
 * A realistic warehouse event (~300-400 bytes of JSON with metadata): the mix a busy site writes —
 * receipts, picks, moves and cycle counts.
 */
export function warehouseEvent(i: number, extra: Record<string, unknown> = {}): NewEvent {
  const sku = `SKU-${pad(i % 9973, 5)}`;
  const bin = `A-${pad(i % BINS, 2)}-${(i % 7) + 1}`;
  const correlationId = randomUUID();
  const metadata = { correlationId, causationId: i % 3 === 0 ? null : randomUUID(), actor: `user:operator-${i % 23}`, source: 'bench.warehouse' };
  switch (i % 4) {
    case 0:
      return {
        type: 'warehouse.StockReceived',
        data: { sku, bin, quantity: 1 + (i % 48), lot: `LOT-2025-${pad(i % 997, 4)}`, expiresOn: `2026-${pad((i % 12) + 1, 2)}-15`, supplierRef: `PO-${100000 + (i % 50000)}`, ...extra },
        metadata,
      };
    case 1:
      return {
        type: 'warehouse.StockPicked',
        data: { sku, bin, quantity: 1 + (i % 6), orderId: `SO-${200000 + (i % 80000)}`, waveId: `W-${pad(i % 311, 4)}`, pickerId: `picker-${i % 17}`, ...extra },
        metadata,
      };
    case 2:
      return {
        type: 'warehouse.StockMoved',
        data: { sku, fromBin: bin, toBin: `B-${pad((i * 7) % BINS, 2)}-${(i % 5) + 1}`, quantity: 1 + (i % 24), reason: 'replenishment', ...extra },
        metadata,
      };
    default:
      return {
        type: 'warehouse.CycleCounted',
        data: { sku, bin, expected: 20 + (i % 30), counted: 20 + (i % 30) - (i % 5 === 0 ? 1 : 0), counterId: `counter-${i % 5}`, ...extra },
        metadata,
      };
  }
}



export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Keeps warn/error lines in memory (most recent 200): shown on stderr only when something fails. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: string[] = [],
    private readonly fields: Record<string, unknown> = {},
  ) {}
  private keep(level: string, message: string, fields?: Record<string, unknown>): void {
    let extra = '';
    try {
      extra = JSON.stringify({ ...this.fields, ...fields }, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
    } catch {
      extra = '{}';
    }
    this.lines.push(`${level} ${message} ${extra}`);
    if (this.lines.length > 200) this.lines.shift();
  }
  debug(): void {
    // dropped
  }
  info(): void {
    // dropped
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.keep('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.keep('error', message, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.fields, ...fields });
  }
}

/**
 * Hands everything to the wrapped bus unchanged and notes, per event id, when publish() was called
 * (the relay has read and encoded the batch) and when it resolved (the broker acknowledged it). It
 * observes the relay through its bus port only: the Relay and KafkaBus themselves are the real ones.
 */
export class TimedBus implements MessageBus {
  readonly published = new Map<string, { calledAt: number; ackedAt: number }>();

  constructor(private readonly inner: MessageBus) {}

  createTopics(specs: readonly TopicSpec[]): Promise<void> {
    return this.inner.createTopics(specs);
  }

  listTopics(): Promise<string[]> {
    return this.inner.listTopics();
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const calledAt = wallNow();
    await this.inner.publish(messages);
    const ackedAt = wallNow();
    for (const m of messages) {
      const id = m.headers[EVENT_HEADERS.eventId];
      if (id !== undefined) this.published.set(id, { calledAt, ackedAt });
    }
  }

  consume(options: ConsumeOptions): Promise<RunningConsumer> {
    return this.inner.consume(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
