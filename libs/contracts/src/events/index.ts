import { Type, type TSchema } from '@sinclair/typebox';
import type { ChannelContract, MessageContract } from '../channels';
import { EVENT_ENVELOPE_SCHEMA } from '../envelope-schema';
import { CATEGORIES, DEAD_LETTER_HEADERS, deadLetterTopic, EVENT_HEADERS, eventTopic, relayDeadLetterTopic } from '../topics';
import { INVENTORY_EVENT_SCHEMAS, type InventoryEventData } from './inventory';
import { ORDER_EVENT_SCHEMAS, type OrderEventData } from './order';
import { REPLENISHMENT_EVENT_SCHEMAS, type ReplenishmentEventData } from './replenishment';
import { SHIPPING_EVENT_SCHEMAS, type ShippingEventData } from './shipping';
import { WAREHOUSE_EVENT_SCHEMAS, type WarehouseEventData } from './warehouse';

export * from './inventory';
export * from './order';
export * from './replenishment';
export * from './shipping';
export * from './warehouse';
export type { DeepReadonly, EventData, DataByType } from './common';
export type { SameData, EmittedEventsDrift, ConsumedEventsDrift, NoDrift } from './conformance';

/**
 * The public domain events: for each type, the JSON Schema of its `data` per version. A new version is
 * added beside the old one (never instead of it) with an upcaster from the previous one (upcasting.ts).
 */
export const EVENT_SCHEMAS = {
  ...INVENTORY_EVENT_SCHEMAS,
  ...WAREHOUSE_EVENT_SCHEMAS,
  ...ORDER_EVENT_SCHEMAS,
  ...SHIPPING_EVENT_SCHEMAS,
  ...REPLENISHMENT_EVENT_SCHEMAS,
} as const satisfies Readonly<Record<string, Readonly<Record<number, TSchema>>>>;

export type PublicEventType = keyof typeof EVENT_SCHEMAS;
export const PUBLIC_EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as readonly PublicEventType[];

/** The data of every public event at version 1, by type (the service's own event types must equal these). */
export type PublicEventData = InventoryEventData & WarehouseEventData & OrderEventData & ShippingEventData & ReplenishmentEventData;

export function isPublicEventType(type: string): type is PublicEventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

/** The schema of a type's data at a version; undefined when the contract has no such type or version. */
export function eventSchema(type: string, version: number): TSchema | undefined {
  if (!isPublicEventType(type)) return undefined;
  const versions: Readonly<Record<number, TSchema>> = EVENT_SCHEMAS[type];
  return Object.hasOwn(versions, version) ? versions[version] : undefined;
}

/** The versions a type's data has (ascending); empty for a type outside the contract. */
export function eventVersions(type: string): number[] {
  return isPublicEventType(type) ? Object.keys(EVENT_SCHEMAS[type]).map(Number).sort((a, b) => a - b) : [];
}

/** The whole Kafka message value of one event type and version: the envelope, with `data` its schema. */
export function eventMessageSchema(type: string, version: number, data: TSchema): TSchema {
  const { $id: _id, ...envelope } = EVENT_ENVELOPE_SCHEMA;
  return Type.Unsafe({
    ...envelope,
    properties: { ...envelope.properties, type: { const: type }, version: { const: version }, data },
  });
}

const STREAM_KEY = 'the stream id (e.g. `warehouse-WH1`): one stream stays in order on one partition';
const eventHeaders: Readonly<Record<string, string>> = {
  [EVENT_HEADERS.eventId]: 'the event id (uuid): consumers are idempotent by it',
  [EVENT_HEADERS.type]: 'the event type, e.g. `warehouse.StockPicked`',
  [EVENT_HEADERS.version]: 'the version of `data`',
  [EVENT_HEADERS.streamId]: 'the stream id (also the key)',
  [EVENT_HEADERS.globalPosition]: "the event's position in the store's global log",
  [EVENT_HEADERS.correlationId]: 'ties together every event caused by one request',
  [EVENT_HEADERS.causationId]: 'the event or command that caused this one (absent for an external request)',
};
const deadLetterHeaders: Readonly<Record<string, string>> = {
  ...eventHeaders,
  [DEAD_LETTER_HEADERS.reason]: 'why the message was parked, e.g. the field and schema rule it broke',
  [DEAD_LETTER_HEADERS.originalTopic]: 'the topic it was read from (or, from the relay, the topic it belongs on)',
  [DEAD_LETTER_HEADERS.originalPartition]: 'its partition there',
  [DEAD_LETTER_HEADERS.originalOffset]: 'its offset there',
  [DEAD_LETTER_HEADERS.consumerGroup]: 'the consumer group that failed on it',
  [DEAD_LETTER_HEADERS.attempts]: 'handler attempts made (0: refused before any handler ran)',
  [DEAD_LETTER_HEADERS.failedAt]: 'when it was parked (ISO-8601)',
};

function eventMessages(category: string): MessageContract[] {
  return PUBLIC_EVENT_TYPES.filter((type) => type.startsWith(`${category}.`)).flatMap((type) =>
    Object.entries(EVENT_SCHEMAS[type] as Readonly<Record<number, TSchema>>).map(([version, data]) => ({
      name: `${type}.v${version}`,
      summary: data.description ?? type,
      payload: eventMessageSchema(type, Number(version), data),
      key: STREAM_KEY,
      headers: eventHeaders,
    })),
  );
}

const DEAD_LETTER_MESSAGE = (name: string): MessageContract => ({
  name,
  summary: 'A message as it was read (value and headers unchanged), with the dead-letter headers added.',
  payload: Type.Unknown({ description: 'the original message value, which may not be valid JSON' }),
  key: 'the original message key',
  headers: deadLetterHeaders,
});

/** The platform's four services, and the subscriber services built on libs/subscriber that publish events of their own. */
const CATEGORY_CHANNELS: readonly string[] = [...CATEGORIES, 'replenishment'];

/** The domain event topics, their consumers' dead-letter topics and the relay's: the event part of the AsyncAPI document. */
export const DOMAIN_EVENT_CHANNELS: readonly ChannelContract[] = [
  ...CATEGORY_CHANNELS.map(
    (category): ChannelContract => ({
      id: `${category}Events`,
      address: (prefix) => eventTopic(category, prefix),
      description: `Every event of the ${category} service, relayed from the event store in global order; key = stream id.`,
      action: 'send',
      messages: eventMessages(category),
    }),
  ),
  ...CATEGORY_CHANNELS.map(
    (category): ChannelContract => ({
      id: `${category}EventsDeadLetter`,
      address: (prefix) => deadLetterTopic(eventTopic(category, prefix)),
      description: `Messages of ${eventTopic(category)} a consumer could not process: invalid against the contract, or its handler kept failing.`,
      action: 'send',
      messages: [DEAD_LETTER_MESSAGE(`deadLetter.${category}`)],
    }),
  ),
  {
    id: 'relayDeadLetter',
    address: (prefix) => relayDeadLetterTopic(prefix),
    description: 'Events the relay could not route (no topic for their category); `npm run dlq:replay` sends them on once it exists.',
    action: 'send',
    messages: [DEAD_LETTER_MESSAGE('deadLetter.relay')],
  },
];
