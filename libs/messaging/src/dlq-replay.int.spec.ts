import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEAD_LETTER_HEADERS, deadLetterTopic } from '@bintrail/contracts';
import { testKafkaBrokers } from '@bintrail/testing';
import { eventually } from './bus/contract/bus-contract-suite';
import { KafkaBus } from './bus/kafka';
import type { IncomingMessage, MessageBus, OutgoingMessage, RunningConsumer } from './bus/port';
import { replayDeadLetters } from './dlq-replay';

const exec = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..');

/** `npm run dlq:replay -- ...args` as an operator runs it; resolves with the summary line it prints last. */
async function replay(...args: string[]): Promise<{ topic: string; replayed: number; skipped: number }> {
  const { stdout } = await exec(process.execPath, ['-r', join(REPO, 'tools', 'register.cjs'), join(__dirname, 'dlq-replay-main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, KAFKA_BROKERS: testKafkaBrokers().join(',') },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { topic: string; replayed: number; skipped: number };
}

/** A dead letter as startEventConsumer parks it: the original message plus the dlq-* headers. */
function deadLetter(topic: string, eventId: string, originalOffset: number): OutgoingMessage {
  return {
    topic: deadLetterTopic(topic),
    key: `stream-${eventId}`,
    value: JSON.stringify({ eventId }),
    headers: {
      'event-id': eventId,
      [DEAD_LETTER_HEADERS.reason]: 'handler failed after 3 attempts: test',
      [DEAD_LETTER_HEADERS.originalTopic]: topic,
      [DEAD_LETTER_HEADERS.originalPartition]: '0',
      [DEAD_LETTER_HEADERS.originalOffset]: String(originalOffset),
      [DEAD_LETTER_HEADERS.consumerGroup]: 'test-consumers',
      [DEAD_LETTER_HEADERS.attempts]: '3',
    },
  };
}

describe('dlq:replay against the real broker', () => {
  let bus: KafkaBus;
  let topic: string;
  let dlq: string;
  let consumer: RunningConsumer | undefined;
  /** Event ids arriving on the original topic, in order. */
  let arrived: string[];

  beforeEach(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'dlq-replay-test' });
    topic = `dlq-replay-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    dlq = deadLetterTopic(topic);
    // Topics are never auto-created: the platform creates every topic with its dead-letter topic.
    await bus.createTopics([
      { topic, partitions: 1 },
      { topic: dlq, partitions: 1 },
    ]);
    await bus.publish([deadLetter(topic, 'A', 10), deadLetter(topic, 'B', 11), deadLetter(topic, 'C', 12)]);
    arrived = [];
    consumer = await bus.consume({ groupId: `${topic}-watch`, topics: [topic], handler: async (m: IncomingMessage) => void arrived.push(m.headers['event-id']!) });
  });

  afterEach(async () => {
    await consumer?.stop();
    await bus.close();
  });

  /** The original topic received exactly these (waits for them, then a little longer for anything extra). */
  async function expectArrived(ids: string[]): Promise<void> {
    await eventually(() => expect([...arrived].sort()).toEqual([...ids].sort()), 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...arrived].sort()).toEqual([...ids].sort());
  }

  it('a filtered replay leaves the other dead letters replayable; unfiltered replays resume from a bookmark', async () => {
    expect(await replay('--topic', dlq, '--event-id', 'A')).toEqual({ topic: dlq, replayed: 1, skipped: 2 });
    await expectArrived(['A']);

    // B was read (and skipped) by the first run: it must still be there for this one.
    expect(await replay('--topic', dlq, '--event-id', 'B')).toEqual({ topic: dlq, replayed: 1, skipped: 2 });
    await expectArrived(['A', 'B']);

    // Filtered runs never moved the bookmark: the first unfiltered run replays all three (A and B twice, consumers dedupe).
    expect(await replay('--topic', dlq)).toEqual({ topic: dlq, replayed: 3, skipped: 0 });
    await expectArrived(['A', 'B', 'A', 'B', 'C']);

    // ... and moved the bookmark: nothing is left for the next run, filtered or not.
    expect(await replay('--topic', dlq)).toEqual({ topic: dlq, replayed: 0, skipped: 0 });
    expect(await replay('--topic', dlq, '--event-id', 'C')).toEqual({ topic: dlq, replayed: 0, skipped: 0 });
    await expectArrived(['A', 'B', 'A', 'B', 'C']);
  }, 120_000);

  it('ends when it has read up to the end offsets taken at start, not after an idle time (however short)', async () => {
    expect(await replay('--topic', dlq, '--idle-ms', '1')).toEqual({ topic: dlq, replayed: 3, skipped: 0 });
    await expectArrived(['A', 'B', 'C']);
  }, 60_000);

  it('leaves a dead letter parked while it runs to the next run', async () => {
    // A consumer parks D while the replay is publishing: D lies past the end offsets the run took at start.
    let parkedD = false;
    const parkingBus: MessageBus = {
      createTopics: (specs) => bus.createTopics(specs),
      listTopics: () => bus.listTopics(),
      consume: (options) => bus.consume(options),
      close: async () => undefined,
      publish: async (messages) => {
        if (!parkedD) await bus.publish([deadLetter(topic, 'D', 13)]);
        parkedD = true;
        await bus.publish(messages);
      },
    };
    expect(await replayDeadLetters({ bus: parkingBus, log: bus.partitionLog(), deadLetterTopic: dlq })).toEqual({ replayed: 3, skipped: 0 });
    expect(await replayDeadLetters({ bus, deadLetterTopic: dlq })).toEqual({ replayed: 1, skipped: 0 });
    await expectArrived(['A', 'B', 'C', 'D']);
  }, 60_000);
});
