import { DEAD_LETTER_HEADERS, deadLetterTopic } from '@bintrail/contracts';
import type { IncomingMessage, OutgoingMessage } from '../bus/port';

export interface DeadLetterDetails {
  /** Why it was parked (cut to 2,000 characters). */
  readonly reason: string;
  /** The consumer group that gave up on it. */
  readonly group: string;
  /** Handler attempts made (0: refused before any). */
  readonly attempts: number;
  /** Where it goes; default `<its topic>.dlq`. */
  readonly topic?: string;
}

/**
 * A message parked on a dead-letter topic: the original key, value and headers, and the dead-letter headers
 * of the published contract (reason, where it came from, the group, attempts, when). A message read from the
 * event store rather than Kafka carries partition -1 and offset -1.
 */
export function deadLetterMessage(message: IncomingMessage, details: DeadLetterDetails): OutgoingMessage {
  return {
    topic: details.topic ?? deadLetterTopic(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: details.reason.slice(0, 2_000),
      [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: message.offset,
      [DEAD_LETTER_HEADERS.consumerGroup]: details.group,
      [DEAD_LETTER_HEADERS.attempts]: String(details.attempts),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}
