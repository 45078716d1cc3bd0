/**
 * `npm run audit -- <command>`: where stock came from, and whether the read models still add up.
 *
 *   history --sku SKU [--from pos|time] [--to pos|time] [--warehouse W] [--bin B] [--format table|json|csv]
 *   explain --warehouse WH --bin BIN --sku SKU [--at pos|time] [--format table|json]
 *   verify [--format table|json] [--batch-size N]
 *
 * Where: DATABASE_URL + BINTRAIL_SCHEMA (PostgreSQL, default schema `bintrail`), else BINTRAIL_DATA_DIR (the
 * embedded data folder, only while no platform has it open: PGlite is single-process).
 * Exit codes: 0 all agrees, 1 drift found (verify), 2 could not run (arguments, database, unknown SKU).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase, postgresDatabase, quoteIdent, SqlEventStore, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import { movementsOfSku, resolveAsOf, type LedgerMovement } from '../../services/inventory/src/ledger/ledger.queries';
import { AS_OF_ERROR, type AsOf } from '../../services/inventory/src/ledger/movements.domain';
import { csv, json, progressPrinter, table, type Cell } from './output';
import { verifyStock, type VerifyReport } from './verify';

const USAGE = `usage: npm run audit -- history --sku SKU [--from pos|time] [--to pos|time] [--warehouse W] [--bin B] [--format table|json|csv]
       npm run audit -- explain --warehouse WH --bin BIN --sku SKU [--at pos|time] [--format table|json]
       npm run audit -- verify [--format table|json] [--batch-size N]
target: DATABASE_URL (+ BINTRAIL_SCHEMA, default bintrail), or BINTRAIL_DATA_DIR while the platform is stopped
`;

export const EXIT = { agrees: 0, drift: 1, cannotRun: 2 } as const;

/** The audit could not run: bad arguments, no database, an unknown SKU. Exit 2 with the message. */
export class CannotRun extends Error {}
/** Arguments the command does not take: exit 2 with the usage. */
class BadArguments extends CannotRun {}

type Format = 'table' | 'json' | 'csv';
interface Target {
  readonly store: SqlEventStore;
  readonly schema: string;
  readonly s: string;
}

function formatOf(value: string | undefined, allowed: readonly Format[]): Format {
  const format = (value ?? 'table') as Format;
  if (!allowed.includes(format)) throw new BadArguments(`--format takes one of ${allowed.join(', ')}`);
  return format;
}

function asOfOf(option: string, value: string | undefined): AsOf | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return { position: Number(value) };
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw new BadArguments(`${option}: ${AS_OF_ERROR}`);
  return { time };
}

function required(option: string, value: string | undefined): string {
  if (!value) throw new BadArguments(`--${option} is required`);
  return value;
}

async function openTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  const schema = env.BINTRAIL_SCHEMA ?? 'bintrail';
  let db: SqlDatabase;
  if (env.DATABASE_URL) {
    db = postgresDatabase({ connectionString: env.DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await db.close().catch(() => undefined);
      throw new CannotRun(`cannot reach PostgreSQL (DATABASE_URL): ${(error as Error).message}`);
    }
  } else if (env.BINTRAIL_DATA_DIR) {
    if (!existsSync(env.BINTRAIL_DATA_DIR)) throw new CannotRun(`BINTRAIL_DATA_DIR ${env.BINTRAIL_DATA_DIR} does not exist`);
    try {
      db = pgliteDatabase(await PGlite.create({ dataDir: env.BINTRAIL_DATA_DIR }));
    } catch (error) {
      throw new CannotRun(`cannot open the embedded data in ${env.BINTRAIL_DATA_DIR} (PGlite is single-process: stop the platform first): ${(error as Error).message}`);
    }
  } else {
    throw new CannotRun('set DATABASE_URL (and BINTRAIL_SCHEMA) for PostgreSQL, or BINTRAIL_DATA_DIR for the embedded form while the platform is stopped');
  }
  const s = quoteIdent(schema);
  // Never create a schema by auditing a mistyped one: the store and the ledger must already be there.
  const { rows } = await db.query<{ events: string | null; checkpoints: string | null; ledger: string | null }>(
    `SELECT to_regclass($1) AS events, to_regclass($2) AS checkpoints, to_regclass($3) AS ledger`,
    [`${s}.events`, `${s}.consumer_checkpoints`, `${s}.inventory_stock_ledger`],
  );
  if (!rows[0]!.events || !rows[0]!.checkpoints || !rows[0]!.ledger) {
    await db.close().catch(() => undefined);
    throw new CannotRun(`schema '${schema}' holds no Bintrail event store with running projections (set BINTRAIL_SCHEMA, or start the platform once)`);
  }
  return { store: await SqlEventStore.open(db, { schema }), schema, s };
}

/** Every movement matching the filter, page by page. */
async function allMovements(db: SqlExecutor, s: string, sku: string, filter: { warehouse?: string; bin?: string; from?: AsOf; to?: AsOf }): Promise<LedgerMovement[]> {
  const all: LedgerMovement[] = [];
  let from = filter.from;
  for (;;) {
    const page = await movementsOfSku(db, s, sku, { ...filter, ...(from ? { from } : {}), limit: 1_000 });
    all.push(...page.movements);
    if (page.nextFrom === null) return all;
    from = { position: page.nextFrom };
  }
}

async function skuIsKnown(db: SqlExecutor, schema: string, s: string, sku: string): Promise<boolean> {
  const { rows } = await db.query<{ items: string | null }>(`SELECT to_regclass($1) AS items`, [`${s}.inventory_items`]);
  const items = rows[0]!.items ? ` OR EXISTS (SELECT 1 FROM ${quoteIdent(schema)}.inventory_items WHERE sku = $1)` : '';
  const { rows: known } = await db.query<{ known: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${s}.inventory_stock_ledger_keys WHERE sku = $1)${items} AS known`, [sku]);
  return known[0]!.known;
}

function parseHistory(args: readonly string[]) {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...args], options: { sku: text, from: text, to: text, warehouse: text, bin: text, format: text } });
  const format = formatOf(values.format, ['table', 'json', 'csv']);
  const sku = required('sku', values.sku);
  const from = asOfOf('--from', values.from);
  const to = asOfOf('--to', values.to);
  const filter = {
    ...(values.warehouse !== undefined ? { warehouse: values.warehouse } : {}),
    ...(values.bin !== undefined ? { bin: values.bin } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  return { format, sku, filter };
}

async function history(target: Target, { format, sku, filter }: ReturnType<typeof parseHistory>, out: (text: string) => void): Promise<number> {
  const movements = await allMovements(target.store.db, target.s, sku, filter);
  if (format === 'json') {
    out(json({ sku, movements }));
    return EXIT.agrees;
  }
  const columns = ['position', 'time', 'type', 'warehouse', 'bin', 'delta', 'balance', 'correlation id', 'actor', 'event id'];
  const rows: Cell[][] = movements.map((m) => [m.globalPosition, m.occurredAt, m.type, m.warehouse, m.bin, m.delta, m.balance, m.correlationId, m.actor, m.eventId]);
  out(format === 'csv' ? csv(columns, rows) : table(columns, rows));
  return EXIT.agrees;
}

function parseExplain(args: readonly string[]) {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...args], options: { warehouse: text, bin: text, sku: text, at: text, format: text } });
  const format = formatOf(values.format, ['table', 'json']);
  const warehouse = required('warehouse', values.warehouse);
  const bin = required('bin', values.bin);
  const sku = required('sku', values.sku);
  return { format, warehouse, bin, sku, at: asOfOf('--at', values.at) };
}

async function explain(target: Target, options: ReturnType<typeof parseExplain>, out: (text: string) => void): Promise<number> {
  const { format, warehouse, bin, sku } = options;
  const at = options.at ?? { position: await target.store.headPosition() };
  const db = target.store.db;
  if (!(await skuIsKnown(db, target.schema, target.s, sku))) throw new CannotRun(`unknown SKU '${sku}': neither the item master nor the ledger knows it`);
  const asOf = await resolveAsOf(db, target.s, at);
  const movements = await allMovements(db, target.s, sku, { warehouse, bin, to: { position: asOf.position } });
  const quantity = movements.length > 0 ? movements[movements.length - 1]!.balance : 0;
  if (format === 'json') {
    out(json({ sku, warehouse, bin, asOf, quantity, movements }));
    return EXIT.agrees;
  }
  const when = `position ${asOf.position}${asOf.time ? ` (${asOf.time})` : ''}`;
  out(`${quantity} units of ${sku} in bin ${bin} of ${warehouse} as of ${when}${movements.length === 0 ? ': no movement of it there by then' : ', from these movements:'}\n`);
  if (movements.length > 0) {
    const columns = ['position', 'time', 'type', 'delta', 'balance', 'correlation id', 'actor'];
    out(table(columns, movements.map((m) => [m.globalPosition, m.occurredAt, m.type, m.delta, m.balance, m.correlationId, m.actor])));
  }
  return EXIT.agrees;
}

function printVerify(report: VerifyReport, out: (text: string) => void): void {
  const keyText = (key: Readonly<Record<string, string>>) => Object.entries(key).map(([k, v]) => `${k}=${v}`).join(' ');
  out(`replayed ${report.eventsReplayed} events up to the live checkpoints (${Object.entries(report.checkpoints).map(([p, at]) => `${p} ${at}`).join(', ')})\n\n`);
  out(table(['table', 'live rows', 'replayed rows', 'differences'], report.tables.map((t) => [t.table, t.liveRows, t.replayedRows, t.differences])));
  if (report.differences.length > 0) {
    out('\nlive rows that differ from the replay:\n');
    const rows: Cell[][] = [];
    for (const d of report.differences) {
      const what = d.problem === 'missing' ? 'row missing from the live table' : d.problem === 'unexpected' ? 'row the replay does not have' : '';
      if (d.columns.length === 0) rows.push([d.table, keyText(d.key), what, '', '']);
      for (const c of d.columns) rows.push([d.table, keyText(d.key), what ? `${what}: ${c.column}` : c.column, JSON.stringify(c.live), JSON.stringify(c.replayed)]);
    }
    out(table(['table', 'key', 'column', 'live', 'replayed'], rows));
  }
  if (report.invariants.length > 0) {
    out('\ninvariants broken in the live tables:\n');
    out(table(['check', 'key', 'detail'], report.invariants.map((v) => [v.check, keyText(v.key), v.detail])));
  }
  if (report.unfoldable.length > 0) {
    out('\nevents the replay could not fold:\n');
    out(table(['projection', 'position', 'type', 'reason'], report.unfoldable.map((u) => [u.projection, u.globalPosition, u.type, u.reason])));
  }
  out(report.agrees ? '\nall agree: the live stock tables match the replayed history and every invariant holds\n' : '\nDRIFT: see above\n');
}

function parseVerify(args: readonly string[]) {
  const { values } = parseArgs({ args: [...args], options: { format: { type: 'string' }, 'batch-size': { type: 'string' } } });
  const format = formatOf(values.format, ['table', 'json']);
  const batchSize = values['batch-size'] === undefined ? 1_000 : Number(values['batch-size']);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new BadArguments('--batch-size takes a positive integer');
  return { format, batchSize };
}

async function verify(target: Target, { format, batchSize }: ReturnType<typeof parseVerify>, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const printer = progressPrinter('replay', err, process.stderr.isTTY === true && err === writeStderr);
  let report: VerifyReport;
  try {
    report = await verifyStock(target.store, target.schema, { batchSize, onProgress: (p) => printer.update(p.position, p.target, p.eventsPerSecond) });
  } finally {
    printer.end();
  }
  if (format === 'json') out(json(report));
  else printVerify(report, out);
  return report.agrees ? EXIT.agrees : EXIT.drift;
}

/** Each command parses its arguments before any database is opened: a typo never waits for one. */
type Write = (text: string) => void;
const COMMANDS: Record<string, (args: readonly string[]) => (target: Target, out: Write, err: Write) => Promise<number>> = {
  history: (args) => {
    const options = parseHistory(args);
    return (target, out) => history(target, options, out);
  },
  explain: (args) => {
    const options = parseExplain(args);
    return (target, out) => explain(target, options, out);
  },
  verify: (args) => {
    const options = parseVerify(args);
    return (target, out, err) => verify(target, options, out, err);
  },
};

const isArgumentError = (error: unknown): boolean => error instanceof BadArguments || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');

/** Runs one audit command; returns the exit code (the test calls this in-process). */
export async function runAudit(argv: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [command, ...args] = argv;
  const prepare = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!prepare) {
    err(command ? `audit: unknown command '${command}'\n${USAGE}` : USAGE);
    return EXIT.cannotRun;
  }
  let target: Target | undefined;
  try {
    const run = prepare(args);
    target = await openTarget(env);
    return await run(target, out, err);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    err(`audit: ${message}\n${isArgumentError(error) ? USAGE : ''}`);
    return EXIT.cannotRun;
  } finally {
    await target?.store.close();
  }
}

function writeStderr(text: string): void {
  process.stderr.write(text);
}

if (require.main === module) {
  runAudit(process.argv.slice(2), process.env, (t) => process.stdout.write(t), writeStderr).then((code) => {
    process.exitCode = code;
  });
}
