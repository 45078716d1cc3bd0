import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { postgresDatabase } from '@bintrail/event-store';
import { silentLogger } from '@bintrail/observability';
import { nestLogger } from '@bintrail/service-kit';
import { connectSubscriber, type RunningSubscription, type StartFrom, type SubscriberConfig, type SubscriberRuntime } from '@bintrail/subscriber';
import { REPLENISHMENT_CONTEXT, ReorderPointsController, type ReplenishmentContext } from './api/reorder-points.controller';
import { REPLENISHMENT_CATEGORY } from './stock-watch/replenishment.domain';
import { replenishmentSubscription } from './stock-watch/replenishment.handler';
import { createReplenishmentTables } from './stock-watch/replenishment.tables';

export interface ReplenishmentOptions {
  /** HTTP port (0: any free one) and host. */
  readonly port: number;
  readonly host?: string;
  /** A new group name with `from` replays history into a fresh consumer group (the tables are shared: use a new schema for a clean rebuild). */
  readonly group?: string;
  readonly from?: StartFrom;
}

export interface RunningReplenishment {
  readonly url: string;
  readonly runtime: SubscriberRuntime;
  readonly subscription: RunningSubscription;
  /** Stops the HTTP server, then the subscription after the event in hand, then the connections. */
  close(): Promise<void>;
}

@Module({})
class ReplenishmentModule {
  static register(context: ReplenishmentContext): DynamicModule {
    return { module: ReplenishmentModule, controllers: [ReorderPointsController], providers: [{ provide: REPLENISHMENT_CONTEXT, useValue: context }] };
  }
}

/**
 * The replenishment service: declares its event category (so its topic exists before its first event), creates
 * its tables, subscribes to stock movements and serves its HTTP API.
 */
export async function startReplenishment(config: SubscriberConfig, options: ReplenishmentOptions): Promise<RunningReplenishment> {
  const logger = config.logger ?? silentLogger;
  const runtime = await connectSubscriber(config);
  const db = postgresDatabase(config.databaseUrl);
  let subscription: RunningSubscription | undefined;
  let app: NestFastifyApplication | undefined;
  const close = async (): Promise<void> => {
    await app?.close();
    await subscription?.stop();
    await runtime.close();
    await db.close();
  };
  try {
    await runtime.defineCategory(REPLENISHMENT_CATEGORY);
    await createReplenishmentTables(db, config.schema);
    const context: ReplenishmentContext = { store: runtime.store, db, schema: config.schema, subscription: () => subscription };
    app = await NestFactory.create<NestFastifyApplication>(ReplenishmentModule.register(context), new FastifyAdapter(), { logger: nestLogger(logger), abortOnError: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    subscription = await runtime.subscribe(replenishmentSubscription(config.schema, { store: runtime.store, ...(options.group ? { group: options.group } : {}), ...(options.from ? { from: options.from } : {}) }));
    const host = options.host ?? '127.0.0.1';
    await app.listen(options.port, host);
    const address = app.getHttpServer().address();
    const url = `http://${host}:${typeof address === 'object' && address ? address.port : options.port}`;
    logger.info(`listening on ${url}`, { url });
    return { url, runtime, subscription, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
