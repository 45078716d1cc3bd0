import { Type } from '@sinclair/typebox';
import type { ChannelContract, MessageContract } from '../channels';
import { DEAD_LETTER_HEADERS } from '../topics';
import { ERP_COMMAND_PAYLOADS, ERP_COMMAND_SCHEMAS, ERP_COMMAND_TYPES } from './commands';
import { OrderStatusChangedV1, ShipmentChangedV1, StockLevelChangedV1 } from './integration';
import { ErpCommandAccepted, ErpCommandRejected } from './replies';
import { ERP_HEADERS, erpCommandDeadLetterTopic, erpCommandTopic, erpReplyTopic, orderStatusTopic, shipmentsTopic, stockLevelsTopic } from './topics';

export * from './commands';
export * from './replies';
export * from './integration';
export * from './topics';

/** Message types named in the `message-type` header of what Bintrail publishes on the ERP topics. */
export const ERP_MESSAGE_TYPES = {
  accepted: 'erp.CommandAccepted',
  rejected: 'erp.CommandRejected',
  stockLevel: 'StockLevelChanged.v1',
  orderStatus: 'OrderStatusChanged.v1',
  shipment: 'ShipmentChanged.v1',
} as const;

const typeHeader = { [ERP_HEADERS.messageType]: 'The message type (see the message name)' };

const commandMessages: MessageContract[] = ERP_COMMAND_TYPES.map((type) => ({
  name: `erp.${type}`,
  summary: ERP_COMMAND_PAYLOADS[type].description ?? type,
  payload: ERP_COMMAND_SCHEMAS[type],
  key: "The ERP's id of the entity the command is about (SKU, order reference), or the idempotency key",
  headers: { [ERP_HEADERS.correlationId]: 'Optional: the correlation id, used for the reply when the body cannot be read' },
}));

/** ERP command, reply and integration topics (issue 10): what an ERP sends and reads. */
export const ERP_CHANNELS: readonly ChannelContract[] = [
  {
    id: 'erpCommands',
    address: erpCommandTopic,
    description:
      'Commands an ERP sends: plain JSON `{type, idempotencyKey, correlationId, payload}`. Each gets exactly one reply on erp.replies; ' +
      'a command sent again with the same idempotency key gets the same reply and changes nothing.',
    action: 'receive',
    messages: commandMessages,
  },
  {
    id: 'erpReplies',
    address: erpReplyTopic,
    description: 'One reply per command, keyed by its correlation id: accepted with the ids it created, or rejected naming the field and the rule.',
    action: 'send',
    messages: [
      { name: ERP_MESSAGE_TYPES.accepted, summary: 'The command was carried out (or had been, for a repeated idempotency key)', payload: ErpCommandAccepted, key: 'The correlation id', headers: { [ERP_HEADERS.correlationId]: 'The correlation id', ...typeHeader } },
      { name: ERP_MESSAGE_TYPES.rejected, summary: 'The command was refused: unreadable, invalid, or refused by the platform', payload: ErpCommandRejected, key: 'The correlation id', headers: { [ERP_HEADERS.correlationId]: 'The correlation id', ...typeHeader } },
    ],
  },
  {
    id: 'erpCommandsDeadLetter',
    address: erpCommandDeadLetterTopic,
    description: 'Every command message that could not be read or validated, as it was sent (same key, value and headers), with the reason in its headers.',
    action: 'send',
    messages: [
      {
        name: 'erp.DeadLetteredCommand',
        summary: 'The original command message, unchanged',
        payload: Type.Unknown({ description: 'The bytes the ERP sent (not necessarily JSON)' }),
        key: 'The key the ERP sent',
        headers: {
          [DEAD_LETTER_HEADERS.reason]: 'Why it was refused, naming the field and the rule',
          [DEAD_LETTER_HEADERS.originalTopic]: 'The command topic',
          [DEAD_LETTER_HEADERS.originalPartition]: 'Its partition there',
          [DEAD_LETTER_HEADERS.originalOffset]: 'Its offset there',
          [DEAD_LETTER_HEADERS.consumerGroup]: 'The gateway consumer group',
          [DEAD_LETTER_HEADERS.attempts]: 'Always 0: invalid input is not retried',
          [DEAD_LETTER_HEADERS.failedAt]: 'When (ISO 8601)',
        },
      },
    ],
  },
  {
    id: 'stockLevels',
    address: stockLevelsTopic,
    description: 'Stock of a SKU in a warehouse after it changed. Keep the message with the highest asOfPosition per (sku, warehouse).',
    action: 'send',
    messages: [{ name: ERP_MESSAGE_TYPES.stockLevel, summary: 'Stock level of one SKU in one warehouse', payload: StockLevelChangedV1, key: 'The SKU', headers: typeHeader }],
  },
  {
    id: 'orderStatus',
    address: orderStatusTopic,
    description: "An order's status after it changed. Keep the message with the highest asOfPosition per order.",
    action: 'send',
    messages: [{ name: ERP_MESSAGE_TYPES.orderStatus, summary: "An order's status", payload: OrderStatusChangedV1, key: 'The order id', headers: typeHeader }],
  },
  {
    id: 'shipments',
    address: shipmentsTopic,
    description: 'An outbound shipment dispatched (with carrier and tracking number) or delivered.',
    action: 'send',
    messages: [{ name: ERP_MESSAGE_TYPES.shipment, summary: 'A shipment dispatched or delivered', payload: ShipmentChangedV1, key: 'The shipment id', headers: typeHeader }],
  },
];
