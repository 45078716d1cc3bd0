/**
 * `npm run projections -- <command>`: blue/green rebuilds and the state of the read models.
 *
 *   rebuild <name> [--fresh] [--batch-size N]   rebuild one projection while the live one keeps serving
 *   status                                      version, checkpoint, lag and any rebuild of every projection
 *
 * Where: BINTRAIL_URL (a running platform, over HTTP: the only way for the embedded form while the
 * platform runs, PGlite being single-process), else DATABASE_URL + BINTRAIL_SCHEMA (PostgreSQL), else
 * BINTRAIL_DATA_DIR (the embedded data folder, only while no platform has it open).
 */
import { openEmbeddedEventStore, openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { inventoryProjections } from '@bintrail/inventory';
import { LogConsumers } from '@bintrail/messaging';
import { createLogger } from '@bintrail/observability';
import { orderProjections } from '@bintrail/order';
import { describeProjections, rebuildProjection, type Projection, type ProjectionState, type RebuildProgress } from '@bintrail/projections';
import { shippingProjections } from '@bintrail/shipping';
import { warehouseProjections } from '@bintrail/warehouse';

const PROJECTIONS: readonly Projection[] = [...inventoryProjections, ...warehouseProjections, ...orderProjections, ...shippingProjections];

function usage(message?: string): never {
  if (message) process.stderr.write(`projections: ${message}\n`);
  process.stderr.write('usage: npm run projections -- rebuild <name> [--fresh] [--batch-size N] | status\n');
  process.exit(2);
}

/** A bar on a terminal, a plain line every few seconds otherwise (CI logs, pipes). */
function progressPrinter(): { update(p: RebuildProgress): void; end(): void } {
  const tty = process.stdout.isTTY === true;
  let lastLine = 0;
  return {
    update(p) {
      const done = p.head > 0 ? Math.min(1, p.position / p.head) : 1;
      const eta = p.etaSeconds === undefined ? '?' : `${Math.ceil(p.etaSeconds)}s`;
      const text = `${p.projection} v${p.version} ${p.phase}: ${p.position}/${p.head} events, ${Math.round(p.eventsPerSecond)} ev/s, ETA ${eta}`;
      if (tty) {
        const width = 30;
        const filled = Math.round(done * width);
        process.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(done * 100).toFixed(1).padStart(5)}% ${text}\x1b[K`);
      } else if (Date.now() - lastLine >= 2_000 || p.phase !== 'building') {
        lastLine = Date.now();
        process.stdout.write(`${new Date().toISOString()} ${text}\n`);
      }
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}

function printStatus(states: readonly ProjectionState[]): void {
  for (const s of states) {
    const rebuild = s.rebuild ? `  rebuilding v${s.rebuild.version}: ${s.rebuild.position}/${s.rebuild.head}` : '';
    process.stdout.write(`${s.projection.padEnd(28)} v${s.version}${s.codeVersion !== s.version ? `→v${s.codeVersion}` : ''}  checkpoint ${s.checkpoint}  lag ${s.lag.events} events / ${s.lag.seconds.toFixed(1)}s${rebuild}\n`);
  }
}

async function overHttp(base: string, command: string, name: string | undefined): Promise<void> {
  const list = async (): Promise<ProjectionState[]> => (await (await fetch(`${base}/projections`)).json()) as ProjectionState[];
  if (command === 'status') return printStatus(await list());
  const answer = await fetch(`${base}/projections/${encodeURIComponent(name!)}/rebuild`, { method: 'POST' });
  if (answer.status !== 202) usage(`the platform answered ${answer.status}: ${await answer.text()}`);
  const printer = progressPrinter();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const state = (await list()).find((p) => p.projection === name);
    if (!state?.rebuild) break;
    printer.update(state.rebuild);
  }
  printer.end();
  const state = (await list()).find((p) => p.projection === name);
  process.stdout.write(`${name}: version ${state?.version} serves at checkpoint ${state?.checkpoint}\n`);
}

async function openStore(): Promise<{ store: SqlEventStore; schema: string }> {
  const schema = process.env.BINTRAIL_SCHEMA ?? 'bintrail';
  if (process.env.DATABASE_URL) return { store: await openPostgresEventStore(process.env.DATABASE_URL, { schema, poolSize: 2 }), schema };
  if (process.env.BINTRAIL_DATA_DIR) return { store: await openEmbeddedEventStore(process.env.BINTRAIL_DATA_DIR, { schema }), schema };
  return usage('set BINTRAIL_URL (a running platform), DATABASE_URL, or BINTRAIL_DATA_DIR (embedded, platform stopped)');
}

async function main(): Promise<void> {
  const [command, name, ...rest] = process.argv.slice(2);
  if (command !== 'rebuild' && command !== 'status') usage();
  if (command === 'rebuild' && (!name || !PROJECTIONS.some((p) => p.name === name))) usage(`name one of: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
  const base = process.env.BINTRAIL_URL?.replace(/\/$/, '');
  if (base) return overHttp(base, command, name);

  const { store, schema } = await openStore();
  try {
    await LogConsumers.open(store, store.db, schema); // the checkpoint table the switch writes
    if (command === 'status') return printStatus(await describeProjections(store, schema, PROJECTIONS));
    const batchAt = rest.indexOf('--batch-size');
    const batchSize = batchAt >= 0 ? Number(rest[batchAt + 1]) : undefined;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) usage('--batch-size takes a positive integer');
    const printer = progressPrinter();
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort(new Error('interrupted; run again to resume')));
    const result = await rebuildProjection(store, schema, PROJECTIONS.find((p) => p.name === name)!, {
      ...(batchSize ? { batchSize } : {}),
      fresh: rest.includes('--fresh'),
      signal: stop.signal,
      logger: createLogger({ service: 'projections', level: 'warn' }),
      onProgress: (p) => printer.update(p),
    });
    printer.end();
    process.stdout.write(`${result.projection}: version ${result.version} live at checkpoint ${result.checkpoint} (${result.applied} events${result.resumedFrom ? `, resumed at ${result.resumedFrom}` : ''})\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`projections: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
