/**
 * Replays dead letters after a fix:
 *
 *   npm run dlq:replay -- --topic bintrail.warehouse.events.dlq [--event-id ID] [--offset N] [--group G] [--brokers host:port]
 *
 * Reads the dead-letter topic up to the end offsets it finds at start and sends each dead letter back
 * to the topic it came from, then exits (dead letters parked meanwhile wait for the next run).
 * A bookmark (the committed offsets of group `<dlq topic>.replay`, or --group; nothing joins that
 * group) says how far unfiltered runs got: every run starts there, and only an unfiltered run moves it.
 * --event-id / --offset (the dead letter's own offset or its original one) replay just the matching
 * dead letters and leave the others replayable by later runs. Replaying something twice is harmless:
 * consumers dedupe by event id. Needs KAFKA_BROKERS (or --brokers). Progress goes to stderr as JSON
 * log lines; the last stdout line is `{"topic","replayed","skipped"}`.
 * --idle-ms is still accepted and ignored (earlier versions stopped after that long without a message).
 */
import { parseArgs } from 'node:util';
import { DEAD_LETTER_HEADERS } from '@bintrail/contracts';
import { createLogger, type Logger } from '@bintrail/observability';
import type { IncomingMessage } from './bus/port';
import { KafkaBus } from './bus/kafka';
import { replayDeadLetters } from './dlq-replay';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topic: { type: 'string' },
      'event-id': { type: 'string' },
      offset: { type: 'string' },
      group: { type: 'string' },
      brokers: { type: 'string' },
      'idle-ms': { type: 'string' },
    },
  });
  const brokers = values.brokers ?? process.env.KAFKA_BROKERS;
  if (!values.topic || !values.topic.endsWith('.dlq')) throw new Error('--topic must name a dead-letter topic (ending in .dlq)');
  if (!brokers) throw new Error('set KAFKA_BROKERS or pass --brokers host:port');
  const logger = createLogger({ service: 'dlq-replay' });
  if (values['idle-ms'] !== undefined) logger.warn('--idle-ms is ignored: the replay ends when it has read up to the end offsets it took at start');
  const bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'dlq-replay', logger });
  try {
    const filter = chosenDeadLetters(values['event-id'], values.offset, logger);
    const result = await replayDeadLetters({
      bus,
      deadLetterTopic: values.topic,
      logger,
      ...(values.group ? { groupId: values.group } : {}),
      ...(filter ? { filter } : {}),
    });
    process.stdout.write(`${JSON.stringify({ topic: values.topic, ...result })}\n`);
  } finally {
    await bus.close();
  }
}

/** The filter for --event-id / --offset; undefined (replay everything, move the bookmark) without them. */
function chosenDeadLetters(eventId: string | undefined, offset: string | undefined, logger: Logger): ((m: IncomingMessage) => boolean) | undefined {
  if (eventId === undefined && offset === undefined) return undefined;
  logger.info('filtered replay: the bookmark stays where it is', { eventId, offset });
  return (m) =>
    (eventId === undefined || m.headers['event-id'] === eventId) &&
    (offset === undefined || m.offset === offset || m.headers[DEAD_LETTER_HEADERS.originalOffset] === offset);
}

main().catch((error: unknown) => {
  process.stderr.write(`dlq:replay failed: ${(error as Error).message}\n`);
  process.exit(1);
});
