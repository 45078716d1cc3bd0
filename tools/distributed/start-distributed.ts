/**
 * `npm run start:distributed`: Bintrail in its distributed form on one machine — PostgreSQL + Kafka, the
 * relay as its own process and one process per service (inventory, warehouse, order, shipping), the whole
 * API on one port through a reverse proxy routing by path prefix.
 *
 * Environment (all optional):
 *   DATABASE_URL          default postgres://postgres@127.0.0.1:5432/test
 *   BINTRAIL_SCHEMA       default bintrail
 *   KAFKA_BROKERS         default: `npm run kafka:local -- start` (127.0.0.1:9092), stopped again at exit if this started it
 *   BINTRAIL_TOPIC_PREFIX default the contract's (`bintrail`); e.g. to keep a test run's topics apart
 *   PORT / HOST           the proxy (default 3000 / 127.0.0.1; PORT=0 picks a free one)
 *   BINTRAIL_SERVICE_BASE_PORT  inventory on it, warehouse +1, order +2, shipping +3 (default 3101; 0: each picks a free port)
 *   BINTRAIL_ERP_GATEWAY  `off` leaves out the ERP gateway (services/erp-gateway: ERP commands and integration topics on Kafka)
 *   TOPIC_PARTITIONS      default 6
 *
 * GET /status on the proxy port is answered by the launcher itself: every service's own GET /status under its
 * name (`services.inventory`, …), the relay process's state (`relay`: pid, running, active, stuck, its stored
 * checkpoint and lag behind the head) and an overall `ok` (every service answered 200, the relay runs, holds
 * its lock and is not stuck; HTTP 503 otherwise). Each service still answers its own /status on its own port.
 *
 * Ctrl+C (SIGINT) or SIGTERM stops the services, then the relay, then the broker if this started it. A child
 * that dies on its own stops everything else and the launcher exits 1, naming it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import { erpCommandTopic, erpReplyTopic } from '@bintrail/contracts';
import { postgresDatabase, quoteIdent, type SqlDatabase } from '@bintrail/event-store';
import { ensurePlatformTopics, KafkaBus } from '@bintrail/messaging';

const REPO_ROOT = join(__dirname, '..', '..');
const REGISTER = join(REPO_ROOT, 'tools', 'register.cjs');
const KAFKA_LOCAL = join(REPO_ROOT, 'tools', 'kafka', 'kafka-local.mjs');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_BROKERS = '127.0.0.1:9092';

/**
 * Which service answers which path prefixes. /docs (Swagger UI, /docs-json) go to inventory; GET /status is
 * the launcher's own aggregate of every service's /status (aggregateStatus).
 */
const SERVICES = [
  { name: 'inventory', prefixes: ['/items', '/inventory', '/docs', '/docs-json'] },
  { name: 'warehouse', prefixes: ['/warehouses'] },
  { name: 'order', prefixes: ['/orders'] },
  { name: 'shipping', prefixes: ['/shipments', '/expected-receipts', '/transfers'] },
] as const;

class LauncherConfigError extends Error {}

interface LauncherConfig {
  readonly databaseUrl: string;
  readonly databaseUrlDefaulted: boolean;
  readonly schema: string;
  /** undefined: start the local broker. */
  readonly kafkaBrokers: string | undefined;
  readonly topicPrefix: string | undefined;
  readonly topicPartitions: number;
  readonly port: number;
  readonly host: string;
  readonly serviceBasePort: number;
  /** Run the ERP gateway beside the services (default yes; BINTRAIL_ERP_GATEWAY=off leaves it out). */
  readonly erpGateway: boolean;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  const value = Number(text ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new LauncherConfigError(`${name} must be a TCP port number (0-65535), got '${text}'`);
  return value;
}

/** Reads the environment once; fails fast naming the variable that is wrong. */
function loadLauncherConfig(env: NodeJS.ProcessEnv): LauncherConfig {
  const schema = env.BINTRAIL_SCHEMA || 'bintrail';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new LauncherConfigError(`BINTRAIL_SCHEMA must be lower-case letters, digits and _, got '${schema}'`);
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new LauncherConfigError(`DATABASE_URL must be a postgres:// URL, got '${databaseUrl}'`);
  const topicPrefix = env.BINTRAIL_TOPIC_PREFIX || undefined;
  if (topicPrefix !== undefined && !/^[a-zA-Z0-9._-]{1,100}$/.test(topicPrefix)) {
    throw new LauncherConfigError(`BINTRAIL_TOPIC_PREFIX must be letters, digits, '.', '_' or '-', got '${topicPrefix}'`);
  }
  const topicPartitions = Number(env.TOPIC_PARTITIONS ?? 6);
  if (!Number.isInteger(topicPartitions) || topicPartitions < 1) throw new LauncherConfigError(`TOPIC_PARTITIONS must be a positive integer, got '${env.TOPIC_PARTITIONS}'`);
  const serviceBasePort = port(env, 'BINTRAIL_SERVICE_BASE_PORT', 3101);
  const gateway = env.BINTRAIL_ERP_GATEWAY ?? 'on';
  if (gateway !== 'on' && gateway !== 'off') throw new LauncherConfigError(`BINTRAIL_ERP_GATEWAY must be 'on' or 'off', got '${gateway}'`);
  if (serviceBasePort > 65_535 - SERVICES.length) throw new LauncherConfigError(`BINTRAIL_SERVICE_BASE_PORT leaves no room for ${SERVICES.length} ports`);
  return {
    databaseUrl,
    databaseUrlDefaulted: !env.DATABASE_URL,
    schema,
    kafkaBrokers: env.KAFKA_BROKERS || undefined,
    topicPrefix,
    topicPartitions,
    port: port(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    serviceBasePort,
    erpGateway: gateway === 'on',
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

/** A child process whose output is echoed with its name; JSON log lines are also kept to wait on. */
class Child {
  readonly process: ChildProcess;
  private readonly records: Record<string, unknown>[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.process = spawn(process.execPath, ['-r', REGISTER, script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.process.stdout!, this.process.stderr!]) {
      let buffer = '';
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) this.line(line);
      });
    }
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.waiters.forEach((wake) => wake()));
  }

  /** The last log record matching, if any. */
  last(match: (record: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) if (match(this.records[i]!)) return this.records[i];
    return undefined;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  private line(line: string): void {
    process.stdout.write(`[${this.name}] ${line}\n`);
    try {
      const record = JSON.parse(line) as unknown;
      if (record && typeof record === 'object') this.records.push(record as Record<string, unknown>);
    } catch {
      // not a log record (a stack trace, a warning): echoed only
    }
    this.waiters.forEach((wake) => wake());
  }

  /** The first log record matching; rejects when the child exits first or it takes too long. */
  async waitFor(match: (record: Record<string, unknown>) => boolean, what: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find(match);
      if (found) return found;
      if (!this.running) throw new Error(`${this.name} exited (code ${this.process.exitCode}, signal ${this.process.signalCode}) before ${what}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no '${what}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 250);
        this.waiters.add(wake);
      });
    }
  }

  /** How many log records match. */
  count(match: (record: Record<string, unknown>) => boolean): number {
    return this.records.filter(match).length;
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) {
        console.error(`${this.name} did not stop within ${graceMs} ms: SIGKILL`);
        this.process.kill('SIGKILL');
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** What the launcher knows of the relay process: its log records and the checkpoint it stores. */
interface RelayProcessStatus {
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Holds the relay lock and publishes (from its log: 'relay active' not followed by 'relay lost its lock'). */
  readonly active: boolean;
  /** What it keeps failing at ('relay paused after a failure' not followed by 'relay recovered'); null while healthy. */
  readonly stuck: unknown;
  /** Events parked on the relay's dead-letter topic since it started (its 'event parked' log records). */
  readonly parked: number;
  /** The last global position it stored as published (may trail what it published by one batch); null if unknown. */
  readonly checkpoint: number | null;
  readonly checkpointUpdatedAt: string | null;
  /** The highest head reported by the services minus `checkpoint`. */
  readonly lag: number | null;
  readonly error?: string;
}

/** The relay's stored checkpoint, read from its table in the shared schema (one pooled connection, opened on first use). */
class RelayCheckpointReader {
  private db: SqlDatabase | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly relayName: string,
  ) {}

  async read(): Promise<{ position: number; updatedAt: string } | undefined> {
    this.db ??= postgresDatabase({ connectionString: this.databaseUrl, max: 1, connectionTimeoutMillis: 3_000, statement_timeout: 3_000 });
    try {
      const { rows } = await this.db.query<{ position: string; updated_at: Date }>(`SELECT position, updated_at FROM ${quoteIdent(this.schema)}.relay_checkpoints WHERE name = $1`, [this.relayName]);
      return rows[0] && { position: Number(rows[0].position), updatedAt: new Date(rows[0].updated_at).toISOString() };
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return undefined; // no checkpoint table yet
      throw error;
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }
}

const STATUS_TIMEOUT_MS = 5_000;

/** GET /status of each service (in parallel) plus the relay's state, and `ok` over all of them. */
async function aggregateStatus(upstreams: readonly { name: string; url: string }[], relay: Child | undefined, checkpoints: RelayCheckpointReader): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const checkpointRead = checkpoints.read().then(
    (value) => ({ value }),
    (error: unknown) => ({ error: (error as Error).message }),
  );
  const answers = await Promise.all(
    upstreams.map(async (upstream) => {
      try {
        const response = await fetch(`${upstream.url}/status`, { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
        const text = await response.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = { error: `not JSON: ${text.slice(0, 200)}` };
        }
        return { name: upstream.name, ok: response.status === 200, body: response.status === 200 ? body : { error: `HTTP ${response.status}`, body } };
      } catch (error) {
        return { name: upstream.name, ok: false, body: { error: (error as Error).message } };
      }
    }),
  );
  const heads = answers.flatMap((a) => (a.ok && typeof (a.body as { head?: unknown }).head === 'number' ? [(a.body as { head: number }).head] : []));
  const head = heads.length ? Math.max(...heads) : null;

  let relayStatus: RelayProcessStatus | undefined;
  if (relay) {
    const lockRecord = relay.last((r) => r.message === 'relay active' || r.message === 'relay lost its lock; standing by');
    const stuckRecord = relay.last((r) => r.message === 'relay paused after a failure; retrying' || r.message === 'relay recovered' || r.message === 'relay active');
    const checkpoint = await checkpointRead;
    const stored = 'value' in checkpoint ? (checkpoint.value ?? { position: 0, updatedAt: null }) : undefined;
    relayStatus = {
      pid: relay.process.pid,
      running: relay.running,
      active: relay.running && lockRecord?.message === 'relay active',
      stuck: relay.running && stuckRecord?.message === 'relay paused after a failure; retrying' ? (stuckRecord.stuck ?? stuckRecord.error ?? true) : null,
      parked: relay.count((r) => r.message === 'event parked'),
      checkpoint: stored ? stored.position : null,
      checkpointUpdatedAt: stored ? stored.updatedAt : null,
      lag: stored && head !== null ? Math.max(0, head - stored.position) : null,
      ...('error' in checkpoint ? { error: `reading its checkpoint: ${checkpoint.error}` } : {}),
    };
  }
  const ok = answers.every((a) => a.ok) && (relayStatus === undefined || (relayStatus.running && relayStatus.active && relayStatus.stuck === null));
  return {
    ok,
    body: {
      mode: 'distributed',
      ok,
      head,
      services: Object.fromEntries(answers.map((a) => [a.name, a.body])),
      ...(relayStatus ? { relay: relayStatus } : {}),
    },
  };
}

function kafkaLocal(command: 'start' | 'stop' | 'status', quiet = false): number {
  const result = spawnSync(process.execPath, [KAFKA_LOCAL, command], { cwd: REPO_ROOT, stdio: quiet ? 'ignore' : 'inherit' });
  return result.status ?? 1;
}

async function main(): Promise<void> {
  const config = loadLauncherConfig(process.env);
  const children: Child[] = [];
  let proxy: FastifyInstance | undefined;
  let brokerStartedHere = false;
  let stopping = false;
  const checkpoints = new RelayCheckpointReader(config.databaseUrl, config.schema, process.env.RELAY_NAME || 'relay');

  const stopAll = async (exitCode: number): Promise<never> => {
    stopping = true;
    await proxy?.close().catch(() => undefined);
    await checkpoints.close().catch(() => undefined);
    // The services first (together: each leaves its consumer group, which takes a few seconds), then the relay.
    const [relay, ...services] = children;
    await Promise.all(services.map((child) => child.stop()));
    await relay?.stop();
    if (brokerStartedHere) {
      console.log('stopping the Kafka broker this launcher started (npm run kafka:local -- stop)');
      kafkaLocal('stop');
    }
    console.log(exitCode === 0 ? 'stopped' : `stopped (exit ${exitCode})`);
    process.exit(exitCode);
  };
  const onSignal = (signal: string): void => {
    if (stopping) return;
    console.log(`${signal}: stopping the services, the relay${brokerStartedHere ? ' and the Kafka broker' : ''}`);
    void stopAll(0);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const watch = (child: Child): Child => {
    children.push(child);
    void child.exited.then(async ({ code, signal }) => {
      // Ctrl+C in a terminal signals the whole process group: give our own signal handler the first word.
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (stopping) return;
      console.error(`${child.name} (pid ${child.process.pid}) died (exit code ${code}, signal ${signal}): stopping everything else`);
      void stopAll(1);
    });
    return child;
  };

  try {
    if (config.databaseUrlDefaulted) console.log(`DATABASE_URL not set: using ${DEFAULT_DATABASE_URL}`);
    console.log(`event store: PostgreSQL at ${redact(config.databaseUrl)}, schema ${config.schema}`);
    let brokers = config.kafkaBrokers;
    if (!brokers) {
      brokers = DEFAULT_BROKERS;
      if (kafkaLocal('status', true) === 0) {
        console.log(`KAFKA_BROKERS not set: using the local broker already running on ${brokers} (left running at exit)`);
      } else {
        console.log(`KAFKA_BROKERS not set: starting the local broker (npm run kafka:local -- start) on ${brokers}`);
        brokerStartedHere = true;
        if (kafkaLocal('start') !== 0) throw new Error('the local Kafka broker did not start (npm run kafka:local -- logs)');
      }
    }

    // The topics, once, before anything publishes or consumes.
    const bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'bintrail-launcher' });
    try {
      const topics = await ensurePlatformTopics(bus, {
        ...(config.topicPrefix ? { prefix: config.topicPrefix } : {}),
        partitions: config.topicPartitions,
      });
      console.log(`topics ready: ${topics.map((t) => t.topic).join(', ')}`);
    } finally {
      await bus.close();
    }

    const common: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      KAFKA_BROKERS: brokers,
      BINTRAIL_SCHEMA: config.schema,
      TOPIC_PARTITIONS: String(config.topicPartitions),
      ...(config.topicPrefix ? { BINTRAIL_TOPIC_PREFIX: config.topicPrefix, RELAY_TOPIC_PREFIX: config.topicPrefix } : {}),
    };
    delete common.BINTRAIL_EXTRA_CATEGORIES;

    const relay = watch(new Child('relay', join(REPO_ROOT, 'libs', 'messaging', 'src', 'relay', 'relay-main.ts'), common));
    await relay.waitFor((r) => r.message === 'relay started', 'relay started');
    console.log(`relay started (pid ${relay.process.pid})`);

    // One at a time: each opens the shared schema (migrations, read-model tables) before the next starts.
    const upstreams: { name: string; url: string; prefixes: readonly string[] }[] = [];
    for (const [index, service] of SERVICES.entries()) {
      const servicePort = config.serviceBasePort === 0 ? 0 : config.serviceBasePort + index;
      const child = watch(
        new Child(service.name, join(REPO_ROOT, 'services', 'platform', 'src', 'service-main.ts'), {
          ...common,
          BINTRAIL_MODE: 'distributed',
          BINTRAIL_SERVICE: service.name,
          PORT: String(servicePort),
          HOST: '127.0.0.1',
        }),
      );
      const listening = await child.waitFor((r) => typeof r.message === 'string' && r.message.startsWith('listening on'), 'listening');
      const url = String(listening.url);
      upstreams.push({ name: service.name, url, prefixes: service.prefixes });
      console.log(`${service.name} service on ${url} (pid ${child.process.pid})`);
    }

    proxy = fastify({ logger: false });
    // The aggregate status: every service's own /status under its name, the relay's state, and `ok` over all.
    proxy.get('/status', async (_request, reply) => {
      const { ok, body } = await aggregateStatus(upstreams, relay, checkpoints);
      return reply.code(ok ? 200 : 503).send(body);
    });
    for (const upstream of upstreams) {
      for (const prefix of upstream.prefixes) {
        await proxy.register(httpProxy, { upstream: upstream.url, prefix, rewritePrefix: prefix });
      }
    }
    await proxy.listen({ port: config.port, host: config.host });
    const address = proxy.server.address();
    const proxyPort = typeof address === 'object' && address ? address.port : config.port;
    for (const upstream of upstreams) console.log(`  ${upstream.prefixes.join(', ')} → ${upstream.name} (${upstream.url})`);
    console.log(`  GET /status → every service's /status and the relay's state (this launcher)`);
    if (config.erpGateway) {
      // The ERP's way in and out (Kafka only); it reaches Bintrail through the proxy, like any client.
      const gateway = watch(new Child('erp-gateway', join(REPO_ROOT, 'services', 'erp-gateway', 'src', 'main.ts'), { ...common, PLATFORM_URL: `http://${config.host}:${proxyPort}` }));
      await gateway.waitFor((r) => r.message === 'ERP gateway running', 'ERP gateway running');
      console.log(`ERP gateway (pid ${gateway.process.pid}): commands on ${erpCommandTopic(config.topicPrefix)}, replies on ${erpReplyTopic(config.topicPrefix)}`);
    }
    console.log(`Bintrail (distributed) API on http://${config.host}:${proxyPort} — Ctrl+C stops everything`);
  } catch (error) {
    if (stopping) return;
    console.error(`start:distributed failed: ${error instanceof LauncherConfigError ? error.message : ((error as Error).stack ?? String(error))}`);
    await stopAll(1);
  }
}

main().catch((error: unknown) => {
  console.error(`start:distributed failed: ${error instanceof LauncherConfigError ? error.message : ((error as Error).stack ?? String(error))}`);
  process.exit(1);
});
