/**
 * Test fixture, run as a child process by relay.spec.ts (Jest does not reliably surface unhandled
 * rejections, a separate Node process does: it dies of one).
 *
 * A checkpoint write fails (a database blip) while the relay's next publish is still pending. A relay
 * that leaves that rejection unhandled kills this process; a healthy one pauses, retries and ends with
 * every event published and its checkpoint at the head. On success it prints one line starting with
 * `checkpoint-blip: relay resumed` and exits 0.
 */
import { InMemoryEventStore } from '@bintrail/event-store';
import { InProcessBus } from '../../bus/in-process';
import type { OutgoingMessage } from '../../bus/port';
import { ensurePlatformTopics } from '../../topics';
import { InMemoryCheckpointStore } from '../checkpoints';
import { ProcessLeaderLock } from '../leader-lock';
import { Relay } from '../relay';

const EVENTS = 30;
const BATCH_SIZE = 10;
/** Each publish takes this long, so the failing checkpoint write settles while the next publish waits. */
const PUBLISH_MS = 100;
const SAVE_FAILS_AFTER_MS = 20;
const DEADLINE_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The in-process bus with a broker's latency; remembers which event ids it accepted. */
class SlowBus extends InProcessBus {
  readonly eventIds = new Set<string>();

  override async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    await sleep(PUBLISH_MS);
    await super.publish(messages);
    for (const message of messages) this.eventIds.add(message.headers['event-id']!);
  }
}

/** The first write rejects a little later, like a connection dropped by the database. */
class BlippingCheckpoints extends InMemoryCheckpointStore {
  failures = 0;

  override async save(name: string, position: number): Promise<void> {
    if (this.failures === 0) {
      this.failures += 1;
      await sleep(SAVE_FAILS_AFTER_MS);
      throw new Error('Connection terminated unexpectedly (simulated database blip)');
    }
    await super.save(name, position);
  }
}

async function main(): Promise<string> {
  const store = new InMemoryEventStore();
  for (let i = 0; i < EVENTS; i++) await store.appendToStream(`warehouse-BIN-${i % 3}`, [{ type: 'warehouse.StockMoved', data: { i } }]);
  const bus = new SlowBus();
  await ensurePlatformTopics(bus);
  const checkpoints = new BlippingCheckpoints();
  const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { batchSize: BATCH_SIZE, idlePollMs: 1, retryDelayMs: 10 });
  relay.start();

  const deadline = Date.now() + DEADLINE_MS;
  const progress = async (): Promise<Record<string, number>> => ({
    checkpoint: await checkpoints.load('relay'),
    head: EVENTS,
    distinctPublished: bus.eventIds.size,
    saveFailures: checkpoints.failures,
  });
  for (;;) {
    const now = await progress();
    if (now.checkpoint === EVENTS && now.distinctPublished === EVENTS && now.saveFailures === 1) break;
    if (Date.now() > deadline) throw new Error(`relay did not finish within ${DEADLINE_MS} ms: ${JSON.stringify(now)}`);
    await sleep(10);
  }
  await relay.stop();
  await bus.close();
  return `checkpoint-blip: relay resumed ${JSON.stringify(await progress())}\n`;
}

main().then(
  (line) => {
    process.stdout.write(line);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`checkpoint-blip failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
