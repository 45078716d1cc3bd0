import type { SqlEventStore } from '@bintrail/event-store';
import type { Logger } from '@bintrail/observability';

/** Nest injection token of the running platform's infrastructure. */
export const PLATFORM_CONTEXT = Symbol.for('bintrail.platform-context');

/** What a service's controllers need from the composition root: the store, the read models' schema, a logger. */
export interface PlatformContext {
  readonly store: SqlEventStore;
  /** Schema of the store and the read models (quoted, ready for SQL). */
  readonly s: string;
  readonly logger: Logger;
}
