import { ERP_HEADERS, ERP_MESSAGE_TYPES, orderStatusTopic, shipmentsTopic, stockLevelsTopic, type OrderStatusChangedV1, type RecordedEvent, type ShipmentChangedV1, type StockLevelChangedV1 } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import type { EventContext, MessageBus } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import { untilAvailable, type PlatformClient } from '../platform-client';
import {
  contentOf,
  orderStatusMessage,
  shipmentMessage,
  stockLevels,
  subjectKey,
  subjectsOf,
  type OrderView,
  type ShipmentView,
  type SkuStockView,
  type Subject,
} from './integration.domain';

type Kind = 'stock' | 'order' | 'shipment';
type IntegrationMessage = StockLevelChangedV1 | OrderStatusChangedV1 | ShipmentChangedV1;

/** The last message published per subject (SKU@warehouse, order, shipment): what makes "changed" and "newer" decidable. */
export async function migratePublished(db: SqlDatabase, schema: string): Promise<void> {
  await runMigrations(db, schema, 'erp-gateway', [
    {
      version: 1,
      name: 'last integration message published per subject',
      sql: (s) => `CREATE TABLE ${s}.erp_gateway_published (
        kind text NOT NULL,
        subject text NOT NULL,
        position bigint NOT NULL,
        content text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, subject)
      );`,
    },
  ]);
}

export interface IntegrationPublisherOptions {
  readonly bus: MessageBus;
  readonly platform: PlatformClient;
  readonly prefix: string;
  readonly schema: string;
  readonly signal: AbortSignal;
}

/**
 * The outbound side, as an event handler: for each domain event that changes stock, an order or a
 * shipment, the subject is read again from the platform's read model as of at least the event's
 * position (read-your-writes) and published when it differs from what was last published for it.
 * The row of the last publication is locked in the inbox transaction while publishing, so per subject
 * messages go out in increasing asOfPosition and a subject whose figures did not change sends nothing.
 */
export function integrationHandler(options: IntegrationPublisherOptions): (event: RecordedEvent, context: EventContext) => Promise<void> {
  const { bus, platform, prefix, signal } = options;
  const s = quoteIdent(options.schema);
  const topics: Record<Kind, string> = { stock: stockLevelsTopic(prefix), order: orderStatusTopic(prefix), shipment: shipmentsTopic(prefix) };
  const types: Record<Kind, string> = { stock: ERP_MESSAGE_TYPES.stockLevel, order: ERP_MESSAGE_TYPES.orderStatus, shipment: ERP_MESSAGE_TYPES.shipment };
  const keyOf = (kind: Kind, message: IntegrationMessage): string =>
    kind === 'stock' ? (message as StockLevelChangedV1).sku : kind === 'order' ? (message as OrderStatusChangedV1).orderId : (message as ShipmentChangedV1).shipmentId;

  const read = async (subject: Subject, position: number, correlationId: string, logger: Logger): Promise<{ kind: Kind; messages: IntegrationMessage[] }> =>
    untilAvailable(
      async () => {
        switch (subject.kind) {
          case 'stock': {
            const answer = await platform.read<SkuStockView>(`/inventory/${encodeURIComponent(subject.sku)}`, position, correlationId);
            return { kind: 'stock', messages: answer.status === 200 ? stockLevels(answer.body, subject.warehouse, answer.readPosition) : notFound(answer.status, subject, logger) };
          }
          case 'order': {
            const answer = await platform.read<OrderView>(`/orders/${encodeURIComponent(subject.orderId)}`, position, correlationId);
            return { kind: 'order', messages: answer.status === 200 ? [orderStatusMessage(answer.body, answer.readPosition)] : notFound(answer.status, subject, logger) };
          }
          case 'shipment': {
            const answer = await platform.read<ShipmentView>(`/shipments/${encodeURIComponent(subject.shipmentId)}`, position, correlationId);
            const message = answer.status === 200 ? shipmentMessage(answer.body, answer.readPosition) : undefined;
            return { kind: 'shipment', messages: message ? [message] : answer.status === 200 ? [] : notFound(answer.status, subject, logger) };
          }
        }
      },
      { signal, logger },
    );

  const publishIfChanged = async (tx: SqlExecutor, kind: Kind, message: IntegrationMessage, logger: Logger): Promise<void> => {
    const subject = subjectKey(kind, message);
    const content = contentOf(message);
    await tx.query(`INSERT INTO ${s}.erp_gateway_published (kind, subject, position, content) VALUES ($1, $2, -1, '') ON CONFLICT DO NOTHING`, [kind, subject]);
    const { rows } = await tx.query<{ position: string; content: string }>(`SELECT position, content FROM ${s}.erp_gateway_published WHERE kind = $1 AND subject = $2 FOR UPDATE`, [kind, subject]);
    const last = rows[0]!;
    if (message.asOfPosition <= Number(last.position)) return; // a newer view went out already
    if (last.content !== content) {
      await bus.publish([{ topic: topics[kind], key: keyOf(kind, message), value: JSON.stringify(message), headers: { [ERP_HEADERS.messageType]: types[kind] } }]);
      logger.debug('integration message published', { topic: topics[kind], subject, asOfPosition: message.asOfPosition });
    }
    await tx.query(`UPDATE ${s}.erp_gateway_published SET position = $3, content = $4, published_at = now() WHERE kind = $1 AND subject = $2`, [kind, subject, message.asOfPosition, content]);
  };

  return async (event, context) => {
    const subjects = subjectsOf(event);
    if (subjects.length === 0) return;
    if (!context.tx) throw new Error('the ERP gateway needs its inbox transaction (KafkaEventSource with an Inbox)');
    for (const subject of subjects) {
      const { kind, messages } = await read(subject, event.globalPosition, event.metadata.correlationId, context.logger);
      for (const message of messages) await publishIfChanged(context.tx, kind, message, context.logger);
    }
  };
}

/** A subject the platform does not know at a position past the event that named it: nothing to report (logged, not retried). */
function notFound(status: number, subject: Subject, logger: Logger): [] {
  logger.warn('integration subject not readable; nothing published for it', { status, subject });
  return [];
}
