import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { dockerEngineAnswers } from './docker';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..', '..');
export const KAFKA_SCRIPT = join(REPO_ROOT, 'tools', 'kafka', 'kafka-local.mjs');

export interface ProvisionedKafka {
  readonly brokers: string[];
  readonly how: 'env' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

async function answers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Runs the project's local broker script (`start`, `stop`, …) with optional KAFKA_PORT / state folder. */
export async function kafkaLocal(
  command: 'start' | 'stop' | 'status',
  env: { port?: number; stateDir?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [KAFKA_SCRIPT, command], {
    cwd: REPO_ROOT,
    timeout: 300_000,
    env: {
      ...process.env,
      ...(env.port ? { KAFKA_PORT: String(env.port) } : {}),
      ...(env.stateDir ? { BINTRAIL_KAFKA_STATE_DIR: env.stateDir } : {}),
    },
  });
}

/**
 * A real Kafka broker for tests: KAFKA_BROKERS when set; else testcontainers' Kafka when a Docker
 * engine answers; else Apache Kafka's own jars run by `tools/kafka/kafka-local.mjs` (Java + Maven).
 * Throws with the reason when none can be had: Kafka tests fail, they never skip.
 */
export async function provisionKafka(): Promise<ProvisionedKafka> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    const brokers = fromEnv.split(',').map((b) => b.trim());
    if (!(await answers(brokers))) throw new Error(`KAFKA_BROKERS is set (${fromEnv}) but no Kafka broker answers there`);
    return { brokers, how: 'env', stop: async () => undefined };
  }
  if (await dockerEngineAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
    const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
    return { brokers, how: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  try {
    const { stdout, stderr } = await kafkaLocal('start');
    const brokers = /KAFKA_BROKERS=(\S+)/.exec(stdout)?.[1]?.split(',') ?? ['127.0.0.1:9092'];
    // Leave a broker someone else started running; stop the one we started.
    const startedHere = !/already running/i.test(stderr);
    return { brokers, how: 'local', stop: async () => void (startedHere && (await kafkaLocal('stop'))) };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(
      `No Kafka broker for the tests: KAFKA_BROKERS is unset, no Docker engine answers, and the local broker ` +
        `(node tools/kafka/kafka-local.mjs start, needs Java 17 and Maven) failed:\n${e.stderr ?? e.message}`,
    );
  }
}

export function testKafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests through jest (its global setup provisions Kafka)');
  return brokers.split(',');
}
