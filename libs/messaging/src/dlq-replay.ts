import { DEAD_LETTER_HEADERS } from '@bintrail/contracts';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { IncomingMessage, MessageBus } from './bus/port';

export interface ReplayOptions {
  readonly bus: MessageBus;
  readonly deadLetterTopic: string;
  /** Replay only these (default: every message not yet replayed by this replay group). */
  readonly filter?: (message: IncomingMessage) => boolean;
  /** The replay tool's own consumer group: what it replayed once it does not replay again. */
  readonly groupId?: string;
  /** Stop after this long without a new dead letter. */
  readonly idleMs?: number;
  readonly logger?: Logger;
}

/**
 * Sends dead-lettered messages back to their original topic (after the fix is deployed).
 * Consumers dedupe by event id, so groups that had processed a message are not affected.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<{ replayed: number; skipped: number }> {
  const logger = options.logger ?? silentLogger;
  let replayed = 0;
  let skipped = 0;
  let lastActivity = Date.now();
  const consumer = await options.bus.consume({
    groupId: options.groupId ?? `${options.deadLetterTopic}.replay`,
    topics: [options.deadLetterTopic],
    fromBeginning: true,
    handler: async (message) => {
      lastActivity = Date.now();
      const original = message.headers[DEAD_LETTER_HEADERS.originalTopic];
      if (!original || (options.filter && !options.filter(message))) {
        skipped += 1;
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers)) if (!name.startsWith('dlq-')) headers[name] = value;
      headers['dlq-replayed-from'] = `${message.topic}/${message.partition}/${message.offset}`;
      await options.bus.publish([{ topic: original, key: message.key, value: message.value, headers }]);
      replayed += 1;
      logger.info('replayed dead letter', { from: headers['dlq-replayed-from'], to: original });
    },
  });
  const idleMs = options.idleMs ?? 3_000;
  while (Date.now() - lastActivity < idleMs) await new Promise((r) => setTimeout(r, 200));
  await consumer.stop();
  return { replayed, skipped };
}
