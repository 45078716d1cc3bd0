import { contractDataErrors, erpTopics } from '@bintrail/contracts';
import { postgresDatabase } from '@bintrail/event-store';
import { EventDecoder, Inbox, KafkaBus, KafkaEventSource, type RunningConsumer } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import type { GatewayConfig } from './config';
import { startCommandConsumer } from './inbound/command-consumer';
import { integrationHandler, migratePublished } from './outbound/integration-publisher';
import { OUTBOUND_EVENT_TYPES } from './outbound/integration.domain';
import { PlatformClient } from './platform-client';

/** The consumer group of the gateway (its inbox rows and, prefixed by the topic prefix, its Kafka groups). */
export const ERP_GATEWAY_GROUP = 'erp-gateway';

export interface RunningGateway {
  stop(): Promise<void>;
}

/**
 * The ERP gateway: an anti-corruption layer between an ERP (Kafka only) and Bintrail (its public HTTP
 * API only). Creates its topics, then reads ERP commands (inbound) and domain events (outbound).
 */
export async function startErpGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const prefix = config.topicPrefix;
  const lifetime = new AbortController();
  const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: 'bintrail-erp-gateway', logger });
  const db = postgresDatabase({ connectionString: config.databaseUrl, max: 4 });
  const consumers: RunningConsumer[] = [];
  const stop = async (): Promise<void> => {
    lifetime.abort();
    await Promise.all(consumers.map((c) => c.stop()));
    await bus.close();
    await db.close();
  };
  try {
    await bus.createTopics(erpTopics(prefix).map((topic) => ({ topic, partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor })));
    const platform = new PlatformClient(config.platformUrl);
    consumers.push(await startCommandConsumer({ bus, platform, prefix, groupId: `${prefix}.${ERP_GATEWAY_GROUP}.commands`, logger, signal: lifetime.signal }));

    await migratePublished(db, config.schema);
    const inbox = await Inbox.open(db, config.schema);
    // Domain events are checked against the published schemas before they are turned into integration messages.
    const source = new KafkaEventSource({ bus, inbox, logger, topicPrefix: prefix, decoder: new EventDecoder(contractDataErrors) });
    consumers.push(
      await source.subscribe({
        groupId: ERP_GATEWAY_GROUP,
        types: OUTBOUND_EVENT_TYPES,
        handle: integrationHandler({ bus, platform, prefix, schema: config.schema, signal: lifetime.signal }),
      }),
    );
    logger.info('ERP gateway running', { platformUrl: config.platformUrl, topics: erpTopics(prefix) });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { stop };
}
