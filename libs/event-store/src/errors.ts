import type { ExpectedVersion } from './port';

/** The stream is not at the version the caller decided on: reload, decide again, retry. */
export class WrongExpectedVersion extends Error {
  override readonly name = 'WrongExpectedVersion';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** Current version of the stream (number of events; 0 = no stream). */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual version ${actual}`);
  }
}

/** An event id already stored with different content, or at a different place. */
export class DuplicateEventId extends Error {
  override readonly name = 'DuplicateEventId';
  constructor(
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`event ${eventId}: ${reason}`);
  }
}

/** Input the store refuses before touching the log (empty stream id, bad type, unserialisable data…). */
export class InvalidAppend extends Error {
  override readonly name = 'InvalidAppend';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}
