import { mkdirSync } from 'node:fs';
import { Controller, Get, Inject, Module, ValidationPipe, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { contractDataErrors } from '@bintrail/contracts';
import { lockKey, openEmbeddedEventStore, openPostgresEventStore, postgresDatabase, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { InventoryModule, inventoryProjections } from '@bintrail/inventory';
import { ORDER_GROUP, ORDER_TRANSPORT, OrderModule, orderProjections } from '@bintrail/order';
import { SHIPPING_GROUP, SHIPPING_TRANSPORT, ShippingModule, shippingProjections } from '@bintrail/shipping';
import { WAREHOUSE_GROUP, WAREHOUSE_TRANSPORT, WarehouseModule, warehouseProjections } from '@bintrail/warehouse';
import {
  BusTransport,
  ensurePlatformTopics,
  EventDecoder,
  Inbox,
  KafkaBus,
  KafkaEventSource,
  LogConsumers,
  LogEventSource,
  PostgresLeaderLock,
  Relay,
  SqlCheckpointStore,
  type ConsumerLag,
  type EventSource,
  type RelayStatus,
} from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import { ProjectionsController, RUNNING_PROJECTIONS, startProjections, type Projection, type RunningProjections } from '@bintrail/projections';
import { nestLogger, PLATFORM_CONTEXT, RequestsInFlight, type PlatformContext } from '@bintrail/service-kit';
import type { PlatformConfig } from './config';
import { applyHttpConventions } from './http-conventions';

/**
 * The services with HTTP, each with its Nest module, read models and (when it has event handlers) its
 * consumer group. The all-in-one platform runs all of them; `service-main.ts` runs one per process.
 */
export const PLATFORM_SERVICES = {
  inventory: { module: InventoryModule, projections: inventoryProjections, group: undefined },
  warehouse: { module: WarehouseModule, projections: warehouseProjections, group: [WAREHOUSE_GROUP, WAREHOUSE_TRANSPORT] },
  order: { module: OrderModule, projections: orderProjections, group: [ORDER_GROUP, ORDER_TRANSPORT] },
  shipping: { module: ShippingModule, projections: shippingProjections, group: [SHIPPING_GROUP, SHIPPING_TRANSPORT] },
} as const satisfies Record<string, { module: Type; projections: readonly Projection[]; group: readonly [string, symbol] | undefined }>;
export type PlatformServiceName = keyof typeof PLATFORM_SERVICES;
export const PLATFORM_SERVICE_NAMES = Object.keys(PLATFORM_SERVICES) as PlatformServiceName[];

export interface StartPlatformOptions {
  /** Which services this process runs (default: all of them, the all-in-one platform). */
  readonly services?: readonly PlatformServiceName[];
  /**
   * Distributed mode: create the topics and run a relay in this process (default true). False when a
   * launcher creates the topics and runs the relay as its own process (`npm run start:distributed`).
   */
  readonly relay?: boolean;
}

/** Largest request body accepted (a bigger one is answered 413). */
const BODY_LIMIT_BYTES = 256 * 1024;

export interface PlatformStatus {
  readonly mode: PlatformConfig['mode'];
  /** Highest global position in the store. */
  readonly head: number;
  /** Each read model's checkpoint, lag behind the head, parked events and what it is stuck on. */
  readonly projections: readonly (RunningProjections['status'][number] & { lag: number })[];
  /**
   * The services' consumer groups (embedded form: on the store's log, each reading only its categories, so
   * its checkpoint is the last event of those it read): applied and parked events, what it is stuck on.
   */
  readonly consumers: readonly NonNullable<BusTransport['subscriptionStatus']>[];
  /**
   * Distributed form: each Kafka consumer group of this process, how many events it has not handled yet
   * and how old the oldest of them is (seconds; null when this process cannot tell), per partition too.
   */
  readonly consumerLag?: readonly ConsumerLag[];
  readonly relay?: RelayStatus;
}

export interface RunningPlatform {
  readonly url: string;
  status(): Promise<PlatformStatus>;
  close(): Promise<void>;
}

const STATUS = Symbol('bintrail.status');

@Controller()
class StatusController {
  constructor(@Inject(STATUS) private readonly status: () => Promise<PlatformStatus>) {}

  /** Health and progress: how far each read model is behind the log, what is parked or stuck. */
  @Get('status')
  get(): Promise<PlatformStatus> {
    return this.status();
  }
}

@Module({})
class PlatformModule {
  static register(context: PlatformContext, status: () => Promise<PlatformStatus>, modules: readonly Type[], projections: RunningProjections): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [...modules],
      controllers: [StatusController, ProjectionsController],
      providers: [
        { provide: PLATFORM_CONTEXT, useValue: context },
        { provide: RUNNING_PROJECTIONS, useValue: projections },
        { provide: STATUS, useValue: status },
      ],
      // Services read their own read models' progress (a command waiting for its catalog copy to catch up).
      exports: [PLATFORM_CONTEXT, RUNNING_PROJECTIONS],
    };
  }
}

interface Infrastructure {
  readonly store: SqlEventStore;
  /** Consumer groups on the store's log: the projections in both forms, and every handler when embedded. */
  readonly consumers: LogConsumers;
  readonly source: EventSource;
  readonly relay?: Relay;
  close(): Promise<void>;
}

/**
 * Embedded: PGlite in this process; every consumer reads the store's log from its own checkpoint
 * (durable across kill -9, no queue in between). Distributed: a PostgreSQL server, the relay
 * publishing to Kafka, service handlers consuming Kafka through inboxes. Projections read the
 * log directly in both forms.
 */
async function openInfrastructure(config: PlatformConfig, logger: Logger, runRelay: boolean, load: RequestsInFlight): Promise<Infrastructure> {
  // While more than one request is in flight, projections fold several appends per transaction (see lingerMs).
  const consumerOptions = { busy: load.busy };
  if (config.mode === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    const store = await openEmbeddedEventStore(config.dataDir, { schema: config.schema, source: 'platform' });
    logger.info(`event store: embedded PostgreSQL (PGlite), data in ${config.dataDir}`);
    const consumers = await LogConsumers.open(store, store.db, config.schema, consumerOptions);
    return { store, consumers, source: new LogEventSource(consumers, { logger, wake: (ms) => store.waitForAppend(ms) }), close: () => store.close() };
  }
  const store = await openPostgresEventStore(config.databaseUrl!, { schema: config.schema, source: 'platform' });
  const consumers = await LogConsumers.open(store, store.db, config.schema, consumerOptions);
  const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: 'bintrail-platform', logger });
  const prefix = config.topicPrefix ? { prefix: config.topicPrefix } : {};
  logger.info(`event store: PostgreSQL at ${redact(config.databaseUrl!)}, schema ${config.schema}; Kafka at ${config.kafkaBrokers.join(',')}`);
  let relay: Relay | undefined;
  let checkpointDb: ReturnType<typeof postgresDatabase> | undefined;
  if (runRelay) {
    const topics = await ensurePlatformTopics(bus, { ...prefix, partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor });
    logger.info('topics ready', { topics: topics.map((t) => t.topic) });
    checkpointDb = postgresDatabase({ connectionString: config.databaseUrl!, max: 2 });
    const checkpoints = await SqlCheckpointStore.open(checkpointDb, config.schema);
    relay = new Relay(store, checkpoints, bus, new PostgresLeaderLock(config.databaseUrl!, lockKey(config.schema, 'relay:relay')), {
      logger,
      ...(config.topicPrefix ? { topicPrefix: config.topicPrefix } : {}),
    });
    relay.start();
  }
  const inbox = await Inbox.open(store.db, config.schema);
  return {
    store,
    consumers,
    ...(relay ? { relay } : {}),
    // Inbound events are checked against the published schemas (per type and version) before any handler runs;
    // what fails is dead-lettered with the field and rule it broke.
    source: new KafkaEventSource({ bus, inbox, logger, decoder: new EventDecoder(contractDataErrors), ...(config.topicPrefix ? { topicPrefix: config.topicPrefix } : {}) }),
    close: async () => {
      await relay?.stop();
      await bus.close();
      await checkpointDb?.close();
      await store.close();
    },
  };
}

export async function startPlatform(config: PlatformConfig, logger: Logger, options: StartPlatformOptions = {}): Promise<RunningPlatform> {
  const services = (options.services ?? PLATFORM_SERVICE_NAMES).map((name) => PLATFORM_SERVICES[name]);
  const load = new RequestsInFlight();
  const infra = await openInfrastructure(config, logger, options.relay ?? true, load);
  const s = quoteIdent(config.schema);
  const projections = await startProjections(infra.store.db, infra.consumers, config.schema, services.flatMap((service) => service.projections), {
    logger,
    wake: (ms) => infra.store.waitForAppend(ms),
    source: infra.store,
  });

  const transports: BusTransport[] = [];
  const status = async (): Promise<PlatformStatus> => {
    const head = await infra.store.headPosition();
    const lags = await Promise.all(transports.map((t) => t.lag().catch(() => undefined)));
    const consumerLag = lags.filter((l): l is ConsumerLag => l !== undefined);
    return {
      mode: config.mode,
      head,
      projections: projections.status.map((p) => ({ ...p, lag: Math.max(0, head - p.checkpoint) })),
      consumers: transports.flatMap((t) => (t.subscriptionStatus ? [t.subscriptionStatus] : [])),
      ...(consumerLag.length > 0 ? { consumerLag } : {}),
      ...(infra.relay ? { relay: infra.relay.status } : {}),
    };
  };

  const app = await NestFactory.create<NestFastifyApplication>(
    PlatformModule.register({ store: infra.store, s, logger }, status, services.map((service) => service.module), projections),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    { logger: nestLogger(logger), abortOnError: false },
  );
  load.register(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // Read-your-writes on GETs (?minPosition=, bintrail-read-position/lag), Idempotency-Key on commands, API docs at /docs.
  const conventions = await applyHttpConventions(app, { projections, store: infra.store, config, logger });
  // One consumer group per service, each running only its own service's handlers (they name its transport id).
  // Their handlers run commands (append to the store): on the log they run outside the consumer's transaction.
  for (const [groupId, transportId] of services.flatMap((service) => (service.group ? [service.group] : []))) {
    const transport = new BusTransport({ source: infra.source, groupId, transportId, transactional: false });
    transports.push(transport);
    app.connectMicroservice<MicroserviceOptions>({ strategy: transport });
  }
  await app.startAllMicroservices();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  logger.info(`listening on ${url}`, { url });

  return {
    url,
    status,
    close: async () => {
      conventions.close(); // reads still waiting for a position are answered now, not after their full wait
      await app.close();
      await projections.stop();
      await infra.close();
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}
