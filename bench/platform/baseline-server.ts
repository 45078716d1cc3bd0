/**
 * The baseline for bench/platform: a plain node:http server (no framework) that, per POST, reads the
 * body, JSON.parses it, checks sku/quantity, runs ONE parameterised INSERT and answers 201 with the
 * new row's id. Runs as its own process (like the platform), started by run.ts.
 *
 * Env: BASELINE_KIND = pglite | postgres; BASELINE_DATA_DIR (pglite: its data folder on disk);
 * BASELINE_URL + BASELINE_TABLE (postgres: server and an own table, created here, dropped by run.ts).
 * Prints one line {"listening": <port>} on stdout once it accepts requests.
 */
import http from 'node:http';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';

type Insert = (sku: string, quantity: number) => Promise<number>;

async function openDatabase(): Promise<{ insert: Insert; close: () => Promise<void> }> {
  const kind = process.env.BASELINE_KIND;
  if (kind === 'pglite') {
    const dataDir = process.env.BASELINE_DATA_DIR;
    if (!dataDir) throw new Error('BASELINE_DATA_DIR is required for pglite');
    const db = await PGlite.create({ dataDir });
    await db.exec('CREATE TABLE IF NOT EXISTS receipts (id bigserial PRIMARY KEY, sku text NOT NULL, quantity integer NOT NULL, received_at timestamptz NOT NULL DEFAULT now())');
    return {
      insert: async (sku, quantity) => Number((await db.query<{ id: string }>('INSERT INTO receipts (sku, quantity) VALUES ($1, $2) RETURNING id', [sku, quantity])).rows[0]!.id),
      close: () => db.close(),
    };
  }
  if (kind === 'postgres') {
    const url = process.env.BASELINE_URL;
    const table = process.env.BASELINE_TABLE;
    if (!url || !table || !/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error('BASELINE_URL and a plain BASELINE_TABLE name are required for postgres');
    const pool = new Pool({ connectionString: url, max: Number(process.env.BASELINE_POOL ?? 10) });
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, sku text NOT NULL, quantity integer NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);
    const sql = `INSERT INTO ${table} (sku, quantity) VALUES ($1, $2) RETURNING id`;
    return {
      insert: async (sku, quantity) => Number((await pool.query<{ id: string }>(sql, [sku, quantity])).rows[0]!.id),
      close: () => pool.end(),
    };
  }
  throw new Error(`BASELINE_KIND must be pglite or postgres, got '${kind}'`);
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const db = await openDatabase();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return answer(res, 404, { message: 'only POST' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { sku?: unknown; quantity?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return answer(res, 400, { message: 'body must be JSON' });
      }
      if (typeof body?.sku !== 'string' || !Number.isInteger(body.quantity) || (body.quantity as number) < 1) {
        return answer(res, 400, { message: 'sku (string) and quantity (integer >= 1) are required' });
      }
      db.insert(body.sku, body.quantity as number).then(
        (id) => answer(res, 201, { id }),
        (error: unknown) => answer(res, 500, { message: (error as Error).message }),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void db.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline server failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
