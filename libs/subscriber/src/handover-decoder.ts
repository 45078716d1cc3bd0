import type { RecordedEvent } from '@bintrail/contracts';
import { EventDecoder, type IncomingMessage } from '@bintrail/messaging';

export type DataErrors = (type: string, version: number, data: unknown) => readonly string[];

/**
 * Kafka messages at or below the handover position were dealt with while catching up (handled, or
 * dead-lettered): they are only read far enough to be dropped, never dead-lettered a second time.
 */
export class HandoverDecoder extends EventDecoder {
  private readonly envelopeOnly = new EventDecoder();

  constructor(
    dataErrors: DataErrors,
    private readonly handledBefore: (message: IncomingMessage) => boolean,
  ) {
    super(dataErrors);
  }

  override decode(message: IncomingMessage): RecordedEvent {
    return this.handledBefore(message) ? this.envelopeOnly.decode(message) : super.decode(message);
  }
}

/** Set by the dead-letter replay tool on a message it sends back: such a message must be handled again. */
export const REPLAYED_HEADER = 'dlq-replayed-from';
