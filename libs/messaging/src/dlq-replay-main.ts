/**
 * Replays dead letters after a fix: `npm run dlq:replay -- --topic bintrail.warehouse.events.dlq [--event-id ID] [--offset N]`.
 * Needs KAFKA_BROKERS (or --brokers). Each dead letter is replayed once per replay group (--group, default
 * `<dlq topic>.replay`); consumers dedupe by event id, so replaying is safe for groups that had succeeded.
 */
import { parseArgs } from 'node:util';
import { DEAD_LETTER_HEADERS } from '@bintrail/contracts';
import { createLogger } from '@bintrail/observability';
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
  const bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'dlq-replay', logger });
  try {
    const result = await replayDeadLetters({
      bus,
      deadLetterTopic: values.topic,
      logger,
      ...(values.group ? { groupId: values.group } : {}),
      ...(values['idle-ms'] ? { idleMs: Number(values['idle-ms']) } : {}),
      filter: (m) =>
        (!values['event-id'] || m.headers['event-id'] === values['event-id']) &&
        (!values.offset || m.offset === values.offset || m.headers[DEAD_LETTER_HEADERS.originalOffset] === values.offset),
    });
    process.stdout.write(`${JSON.stringify({ topic: values.topic, ...result })}\n`);
  } finally {
    await bus.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dlq:replay failed: ${(error as Error).message}\n`);
  process.exit(1);
});
