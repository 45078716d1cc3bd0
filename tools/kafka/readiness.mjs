// Is the broker answering, and is it warm? Asked with kafkajs, the client the platform itself uses.
import kafkajs from 'kafkajs';
import { BROKERS, info, sleep } from './settings.mjs';

const { Kafka, logLevel } = kafkajs;

// kafkajs 2.2.4 arms a timer with a negative delay on every connection; Node 24 warns about it
// (TimeoutNegativeWarning) and runs the timer after 1 ms, which is what kafkajs means. Keep it off stderr.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if ((rest[0]?.type ?? rest[0]) !== 'TimeoutNegativeWarning') emitWarning.call(process, warning, ...rest);
};

const client = (retry) =>
  new Kafka({ clientId: 'bintrail-kafka-local', brokers: [BROKERS], logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 5000, retry });

/** The cluster as the broker describes it, or null while it does not answer (or has no controller yet). */
export async function describeBroker() {
  const admin = client({ retries: 0 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null ? cluster : null;
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Polls until the broker answers; `gone()` names why to stop waiting (the process died), if it did. */
export async function waitUntilReady(gone, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason) return { ok: false, reason };
    if (await describeBroker()) return { ok: true };
    await sleep(500);
  }
  return { ok: false, reason: `no answer on ${BROKERS} within ${timeoutMs / 1000} s` };
}

/**
 * The first group request on a fresh broker creates __consumer_offsets, and the first idempotent
 * producer waits for a block of producer ids; clients meanwhile see retriable
 * COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS errors (kafkajs logs them as ERROR and
 * restarts the consumer). Do that work here so tests start against a warm broker. Failures are only reported.
 */
export async function warmUp(timeoutMs = 30_000) {
  const kafka = client({ retries: 3, initialRetryTime: 200, maxRetryTime: 1000 });
  const deadline = Date.now() + timeoutMs;
  const untilOk = async (what, attempt) => {
    let last = 'no answer';
    while (Date.now() < deadline) {
      try {
        await attempt();
        return;
      } catch (error) {
        last = error.message;
        await sleep(300);
      }
    }
    info(`warm-up: ${what} not ready (${last}); clients may see retriable errors at first`);
  };
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await untilOk('group coordinator (__consumer_offsets)', async () => {
      await admin.connect();
      await admin.fetchOffsets({ groupId: 'bintrail-kafka-local-warmup' });
    });
    await untilOk('producer ids', () => producer.connect());
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()].map((p) => p.catch(() => undefined)));
  }
}
