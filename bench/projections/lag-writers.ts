/**
 * The lag phase's load: receipts decided by the warehouse domain and appended at a steady rate by several
 * writers, each to a warehouse of its own, one append at a time. It runs in a worker thread of the bench — its
 * own event loop and connections, as the warehouse service appending in another process would have — so that
 * the load generator's work is not counted as the projections' lag. Each acknowledged append is posted to the
 * bench with its global position and when it was acknowledged (performance.timeOrigin + now: one clock for
 * every thread of the process).
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openPostgresEventStore } from '@bintrail/event-store';
import { decideWarehouse, evolveWarehouse, initialWarehouseState, warehouseStreamId, type WarehouseCommand, type WarehouseState } from '../../services/warehouse/src/stock/warehouse.domain';

export interface LagWritersOptions {
  readonly url: string;
  readonly schema: string;
  readonly writers: number;
  readonly rate: number;
  readonly seconds: number;
  readonly tag: string;
}

/** Posted per acknowledged append; `ready` once the warehouses exist; `done` at the end. */
export type LagWriterMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'appended'; readonly position: number; readonly ackedAt: number; readonly took: number }
  | { readonly kind: 'done'; readonly appended: number; readonly achievedRate: number }
  | { readonly kind: 'failed'; readonly error: string };

const now = (): number => performance.timeOrigin + performance.now();

async function runLagWriters(options: LagWritersOptions, post: (message: LagWriterMessage) => void): Promise<void> {
  const store = await openPostgresEventStore(options.url, { schema: options.schema, poolSize: options.writers + 2 });
  try {
    const states = new Map<string, WarehouseState>();
    const decide = async (code: string, command: WarehouseCommand) => {
      const state = states.get(code) ?? initialWarehouseState;
      const events = decideWarehouse(command, state);
      states.set(code, events.reduce(evolveWarehouse, state));
      const t0 = performance.now();
      const { positions } = await store.appendToStream(warehouseStreamId(code), events.map((e) => ({ ...e, metadata: { actor: 'bench', correlationId: `lag-${options.tag}` } })));
      return { position: positions[positions.length - 1]!.globalPosition, ackedAt: now(), took: performance.now() - t0 };
    };
    const codes = Array.from({ length: options.writers }, (_, i) => `LAG${options.tag}${i}`);
    for (const code of codes) await decide(code, { type: 'CreateWarehouse', code, name: 'lag bench' });
    post({ kind: 'ready' });

    const perWriter = options.rate / options.writers;
    const total = options.rate * options.seconds;
    const t0 = performance.now();
    let appended = 0;
    await Promise.all(
      codes.map(async (code, w) => {
        for (let i = 0; i < total / options.writers; i++) {
          const due = t0 + (i / perWriter) * 1_000 + (w * 1_000) / options.rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const { position, ackedAt, took } = await decide(code, { type: 'ReceiveStock', receiptId: `R${i}`, sku: 'SKU-00001', quantity: 1 });
          post({ kind: 'appended', position, ackedAt, took });
          appended += 1;
        }
      }),
    );
    post({ kind: 'done', appended, achievedRate: appended / ((performance.now() - t0) / 1_000) });
  } finally {
    await store.close();
  }
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'lag-writers') {
  const port = parentPort!;
  runLagWriters((workerData as { options: LagWritersOptions }).options, (message) => port.postMessage(message)).catch((error: unknown) =>
    port.postMessage({ kind: 'failed', error: (error as Error).stack ?? String(error) } satisfies LagWriterMessage),
  );
}
