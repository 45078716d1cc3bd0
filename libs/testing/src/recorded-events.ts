import type { RecordedEvent } from '@bintrail/contracts';

export interface RecordedEventsOptions {
  /** The global position before the first event (default 0). */
  readonly from?: number;
  /** Between two events' global positions (default 10: the log's positions have gaps). */
  readonly step?: number;
}

/**
 * Events as the store hands them to a projection, for tests that feed one without a store: each call gives
 * the next global position (also its stream position and, in minutes after 2026-03-01, its time), with
 * an id and a correlation id derived from it.
 */
export function recordedEvents(options: RecordedEventsOptions = {}): (type: string, data: unknown, streamId?: string) => RecordedEvent {
  let position = options.from ?? 0;
  const step = options.step ?? 10;
  return (type, data, streamId = 'warehouse-WH1') => {
    position += step;
    return {
      type,
      version: 1,
      eventId: `e${position}`,
      streamId,
      streamPosition: position,
      globalPosition: position,
      occurredAt: new Date(Date.UTC(2026, 2, 1, 0, position)),
      data,
      metadata: { correlationId: `c${position}`, causationId: null, actor: 'clerk', source: 'test' },
    };
  };
}
