import type { RecordedEvent } from '@bintrail/contracts';
import type { ReadStreamOptions } from './port';

/** Applies from/to/direction/maxCount to a whole stream held in memory. */
export function sliceStream(stream: readonly RecordedEvent[], options: ReadStreamOptions): RecordedEvent[] {
  const { lower, upper, backwards, limit } = streamWindow(options);
  const inRange = stream.filter((e) => e.streamPosition >= lower && e.streamPosition <= upper);
  const ordered = backwards ? inRange.reverse() : inRange;
  return ordered.slice(0, limit);
}

/** The inclusive position range a stream read covers, shared by every adapter. */
export function streamWindow(options: ReadStreamOptions): { lower: number; upper: number; backwards: boolean; limit: number } {
  const backwards = options.direction === 'backwards';
  const limit = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  if (backwards) {
    return { backwards, limit, upper: options.from ?? Number.MAX_SAFE_INTEGER, lower: options.to ?? 1 };
  }
  return { backwards, limit, lower: options.from ?? 1, upper: options.to ?? Number.MAX_SAFE_INTEGER };
}
