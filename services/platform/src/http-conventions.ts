import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SqlEventStore } from '@bintrail/event-store';
import type { Logger } from '@bintrail/observability';
import type { RunningProjections } from '@bintrail/projections';
import { IdempotencyStore, ReadModelClock, ReadYourWritesInterceptor, registerIdempotency, verifyReadsFrom } from '@bintrail/service-kit';
import type { PlatformConfig } from './config';
import { setupApiDocs } from './docs';

export interface HttpConventions {
  readonly clock: ReadModelClock;
  readonly idempotency: IdempotencyStore;
  close(): void;
}

/**
 * The platform-wide HTTP conventions, wired once on the app (after NestFactory.create, before listen):
 * read-your-writes on GETs (ReadModelClock over the running projections + a global interceptor),
 * Idempotency-Key on commands (a table in the store's database + Fastify hooks), and the API docs.
 * Fails the start when a @ReadsFrom names a read model that is not running.
 */
export async function applyHttpConventions(
  app: NestFastifyApplication,
  deps: { readonly projections: RunningProjections; readonly store: SqlEventStore; readonly config: PlatformConfig; readonly logger: Logger },
): Promise<HttpConventions> {
  const { projections, store, config, logger } = deps;
  const clock = new ReadModelClock(projections, () => store.headPosition(), { maxWaitMs: config.readWaitMs });
  const undeclared = verifyReadsFrom(app, clock);
  if (undeclared.length > 0) logger.info('GET routes that read no read model (no @ReadsFrom): no read-position headers, minPosition ignored', { routes: undeclared });
  app.useGlobalInterceptors(new ReadYourWritesInterceptor(clock));

  const idempotency = await IdempotencyStore.open(store.db, config.schema, { ttlMs: config.idempotencyTtlHours * 3_600_000, logger });
  registerIdempotency(app.getHttpAdapter().getInstance(), { store: idempotency, logger });

  await setupApiDocs(app, logger);
  return { clock, idempotency, close: () => clock.close() };
}
