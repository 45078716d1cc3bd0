/**
 * `npm run seed:history -- [--events N] [--warehouses 2-5] [--seed N] [--database-url URL] [--schema NAME] [--embedded DIR] [--months N]`
 *
 * Writes a realistic history through the services' own deciders (tools/history/history-sim.ts) into an event
 * store: the item master, 2–5 warehouses with their bins, receipts, putaways, orders allocated, picked,
 * shipped and delivered, short picks and counts with adjustments, moves, transfers, cancellations, their
 * occurredAt spread over the last `--months` (12). Defaults: 1,000,000 events, PostgreSQL at DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test, a fresh schema named history_<time> (printed); `--embedded DIR`
 * writes to PGlite in DIR instead. The schema must hold no events yet. Progress: a bar on a terminal, plain
 * lines otherwise (stderr); stdout gets the summary and, last, one JSON line.
 * Exit codes: 0 written, 2 could not run (arguments, database, schema not empty).
 */
import { parseArgs } from 'node:util';
import { openEmbeddedEventStore, openPostgresEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { seedHistory, type SeedProgress } from './seed';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

class CannotRun extends Error {}

function positive(option: string, raw: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new CannotRun(`--${option} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

function progressLine(tty: boolean): { update(p: SeedProgress): void; end(): void } {
  let last = 0;
  return {
    update(p) {
      const done = Math.min(1, p.events / p.target);
      const eta = p.etaSeconds === undefined ? '?' : `${Math.ceil(p.etaSeconds)}s`;
      const text = `${p.events}/${p.target} events, ${Math.round(p.eventsPerSecond)} ev/s, ETA ${eta}`;
      if (tty) {
        const filled = Math.round(done * 30);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(done * 100).toFixed(1).padStart(5)}% ${text}\x1b[K`);
      } else if (Date.now() - last >= 2_000 || p.events >= p.target) {
        last = Date.now();
        process.stderr.write(`${new Date().toISOString()} seed:history ${text}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: 'string' },
      warehouses: { type: 'string' },
      seed: { type: 'string' },
      months: { type: 'string' },
      'database-url': { type: 'string' },
      schema: { type: 'string' },
      embedded: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const events = positive('events', values.events, 1_000_000);
  const warehouses = positive('warehouses', values.warehouses, 4, 5, 2);
  const seed = positive('seed', values.seed, 1);
  const months = positive('months', values.months, 12, 120);
  const stamp = new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  const schema = values.schema ?? `history_${stamp}`;
  quoteIdentOrFail(schema);

  let store: SqlEventStore;
  try {
    store = values.embedded
      ? await openEmbeddedEventStore(values.embedded, { schema, source: 'seed-history' })
      : await openPostgresEventStore(values['database-url'] ?? process.env.DATABASE_URL ?? DEFAULT_URL, { schema, source: 'seed-history', poolSize: 9 });
  } catch (error) {
    throw new CannotRun(`cannot open the event store: ${(error as Error).message}`);
  }
  try {
    if ((await store.headPosition()) > 0) throw new CannotRun(`schema ${schema} already holds events: seed into a new one (--schema)`);
    const to = new Date();
    const from = new Date(to);
    from.setUTCMonth(from.getUTCMonth() - months);
    process.stderr.write(`seed:history: ${events} events into ${values.embedded ? `PGlite ${values.embedded}` : 'PostgreSQL'}, schema ${schema}\n`);
    const progress = progressLine(process.stderr.isTTY === true);
    const result = await seedHistory(store, { events, warehouses, seed, from, to }, { onProgress: (p) => progress.update(p) });
    progress.end();
    const width = Math.max(...Object.keys(result.typeCounts).map((t) => t.length));
    process.stdout.write(
      `${result.events} events in ${result.seconds.toFixed(1)} s (${Math.round(result.eventsPerSecond)} events/s), ${result.appends} appends, ${result.streams} streams\n` +
        `${result.warehouses.length} warehouses, ${result.bins} bins, ${result.items} SKUs; schema ${schema}\n` +
        Object.entries(result.typeCounts)
          .map(([type, n]) => `  ${type.padEnd(width)}  ${n}`)
          .join('\n') +
        '\n' +
        (Object.keys(result.refused).length > 0 ? `commands the domain refused (as the services would): ${JSON.stringify(result.refused)}\n` : '') +
        `${JSON.stringify({ seed: 'history', schema, ...result })}\n`,
    );
  } finally {
    await store.close();
  }
}

function quoteIdentOrFail(schema: string): void {
  try {
    quoteIdent(schema);
  } catch (error) {
    throw new CannotRun(`--schema: ${(error as Error).message}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`seed:history: ${(error as Error).message ?? String(error)}\n`);
  if (process.env.SEED_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(error instanceof CannotRun || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
