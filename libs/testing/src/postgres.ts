import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Client } from 'pg';
import { dockerEngineAnswers } from './docker';

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the machine's own PostgreSQL cluster (Debian's pg_ctlcluster) when it is installed but down. */
function startLocalCluster(): string | undefined {
  if (!existsSync('/etc/postgresql')) return 'no local PostgreSQL cluster is installed (/etc/postgresql missing)';
  const versions = readdirSync('/etc/postgresql');
  try {
    for (const version of versions) {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'pipe' });
    }
    return undefined;
  } catch (error) {
    return `pg_ctlcluster failed: ${(error as Error).message}`;
  }
}

export interface ProvisionedPostgres {
  readonly url: string;
  readonly how: 'env' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

/**
 * PostgreSQL for tests: DATABASE_URL when set; else a testcontainers PostgreSQL when a Docker
 * engine answers; else the local server on 127.0.0.1:5432 (started if it is down). Throws with the
 * reason when none can be had: integration tests fail, they never skip.
 */
export async function provisionPostgres(): Promise<ProvisionedPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    if (!(await answers(fromEnv))) throw new Error(`DATABASE_URL is set (${fromEnv}) but PostgreSQL does not answer there`);
    return { url: fromEnv, how: 'env', stop: async () => undefined };
  }
  if (await dockerEngineAnswers()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { url: container.getConnectionUri(), how: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  if (!(await answers(LOCAL_POSTGRES_URL))) {
    const failure = startLocalCluster();
    for (let i = 0; i < 30 && !(await answers(LOCAL_POSTGRES_URL)); i++) await new Promise((r) => setTimeout(r, 500));
    if (!(await answers(LOCAL_POSTGRES_URL))) {
      throw new Error(
        `No PostgreSQL for the integration tests: DATABASE_URL is unset, no Docker engine answers, and ${LOCAL_POSTGRES_URL} ` +
          `does not answer${failure ? ` (${failure})` : ''}.`,
      );
    }
  }
  return { url: LOCAL_POSTGRES_URL, how: 'local', stop: async () => undefined };
}

/** The database URL the global setup provisioned (tests run in workers that inherit it). */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest (its global setup provisions PostgreSQL)');
  return url;
}

/** A fresh schema name per test file, so parallel test files never see each other's rows. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.toLowerCase();
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
