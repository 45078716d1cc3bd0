import type { TSchema } from '@sinclair/typebox';

/**
 * The registry the AsyncAPI document is generated from: every Kafka topic Bintrail publishes or reads
 * on its public contract, with the messages it carries. Each part of the contract (domain events, ERP
 * commands and replies, integration topics) exports its own list; `npm run contracts:asyncapi` joins them.
 */
export interface MessageContract {
  /** Unique across the document, e.g. `warehouse.StockReceived.v1` or `erp.PlaceSalesOrder`. */
  readonly name: string;
  readonly summary: string;
  /** The payload's JSON Schema (the Kafka message value). */
  readonly payload: TSchema;
  /** What the Kafka message key is, in words (e.g. "the SKU"). */
  readonly key: string;
  /** Kafka headers the message carries: name → what it holds. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ChannelContract {
  /** Unique id in the document, e.g. `warehouseEvents`. */
  readonly id: string;
  /** The topic name for a topic prefix (default `bintrail`). */
  readonly address: (prefix?: string) => string;
  readonly description: string;
  /** `send`: Bintrail publishes here (consumers read it); `receive`: Bintrail reads what others send. */
  readonly action: 'send' | 'receive';
  readonly messages: readonly MessageContract[];
}
