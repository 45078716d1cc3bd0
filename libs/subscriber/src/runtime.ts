import { contractDataErrors } from '@bintrail/contracts';
import { lockKey, openPostgresEventStore } from '@bintrail/event-store';
import { Inbox, KafkaBus, PostgresLeaderLock, ensurePlatformTopics, platformTopics, type MessageBus } from '@bintrail/messaging';
import { silentLogger } from '@bintrail/observability';
import type { RunningSubscription, StartFrom, SubscriberConfig, SubscriberRuntime, Subscription } from './api';
import { GroupCheckpoints } from './group-checkpoints';
import { KafkaOffsets } from './kafka-offsets';
import { SubscriptionRunner } from './runner';
import { StoreQueries } from './store-queries';
import { describeStart, planSubscription } from './subscription.domain';

/**
 * Connects a subscriber service to the platform: the shared event store (PostgreSQL) and Kafka.
 * Subscriptions then replay history from the store and go on live from Kafka, exactly once.
 */
export async function connectSubscriber(config: SubscriberConfig): Promise<SubscriberRuntime> {
  const logger = (config.logger ?? silentLogger).child({ service: config.service });
  const store = await openPostgresEventStore(config.databaseUrl, { schema: config.schema, source: config.service, poolSize: 10 });
  const bus: MessageBus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: config.service, logger });
  try {
    const [inbox, checkpoints] = [await Inbox.open(store.db, config.schema), await GroupCheckpoints.open(store.db, config.schema)];
    const queries = new StoreQueries(store.db, config.schema);
    const offsets = new KafkaOffsets(config.kafkaBrokers, `${config.service}-admin`, logger);
    const partitions = config.topicPartitions ?? 6;
    const running = new Set<RunningSubscription>();
    let closing: Promise<void> | undefined;

    const startPosition = async (from: StartFrom): Promise<number> => {
      if (from === 'beginning') return 0;
      if (from === 'live') return queries.head();
      if ('position' in from) return from.position - 1;
      return (await queries.firstPositionRecordedAt(from.time)) - 1;
    };

    return {
      store,
      async defineCategory(category) {
        await ensurePlatformTopics(bus, { prefix: config.topicPrefix, categories: [category], partitions });
        logger.info('event category defined', { category });
      },
      async subscribe<Type extends string>(subscription: Subscription<Type>) {
        const plan = planSubscription(subscription);
        // Creating a topic that exists is a no-op; a consumer cannot join a group on a topic that does not exist.
        await bus.createTopics(platformTopics({ prefix: config.topicPrefix, categories: plan.categories, partitions }));
        const checkpoint =
          (await checkpoints.load(plan.group)) ?? (await checkpoints.create(plan.group, await startPosition(plan.from), describeStart(plan.from)));
        const runner = new SubscriptionRunner(plan, subscription as unknown as Subscription<string>, {
          store,
          inbox,
          checkpoints,
          queries,
          bus,
          offsets,
          // Data is checked against the published schema for the group's own types only: an invalid event of a
          // type it does not handle is not its to dead-letter (its envelope still is checked, as it must be read).
          dataErrors: (type, version, data) => (plan.types.has(type) ? contractDataErrors(type, version, data) : []),
          topicPrefix: config.topicPrefix,
          service: config.service,
          logger,
          handoverMarginMs: config.handoverMarginMs ?? 5 * 60_000,
          lagPollMs: config.lagPollMs ?? 1_000,
          statusLogIntervalMs: config.statusLogIntervalMs ?? 30_000,
          catchUpLock: (group) => new PostgresLeaderLock(config.databaseUrl, lockKey(config.schema, `subscriber:${group}`), { logger }),
        }, checkpoint);
        runner.start();
        logger.info('subscription started', { group: plan.group, events: [...plan.types], phase: checkpoint.phase, position: checkpoint.position });
        const handle: RunningSubscription = {
          status: () => runner.status(),
          stop: async () => {
            running.delete(handle);
            await runner.stop();
          },
        };
        running.add(handle);
        return handle;
      },
      close() {
        closing ??= (async () => {
          await Promise.all([...running].map((r) => r.stop()));
          await bus.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await bus.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
