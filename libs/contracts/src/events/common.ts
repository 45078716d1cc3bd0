import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * Building blocks of the event schemas. Each event's `data` is written once, as a TypeBox schema:
 * the JSON Schema that is published and validated, and (through `EventData<>`) the TypeScript type.
 */

/** An event's data: a closed object, so a field the contract does not name is a contract change too. */
export const data = <P extends TProperties>(properties: P, description: string): TObject<P> =>
  Type.Object(properties, { additionalProperties: false, description });

/** An identifier or code given by a person or another system: any non-empty text. */
export const Text = (description?: string) => Type.String({ minLength: 1, ...(description ? { description } : {}) });
/** A count of units the domain refuses unless it is at least one. */
export const Units = (description?: string) => Type.Integer({ minimum: 1, ...(description ? { description } : {}) });
/** A count of units that may be zero (what is left, what is short). */
export const UnitsOrNone = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });
/** A point in time as the services record it: ISO-8601 text as the command gave it. */
export const Timestamp = (description?: string) => Type.String({ minLength: 1, ...(description ? { description } : {}) });

export const BinQuantity = Type.Object({ bin: Text('bin code'), quantity: Units() }, { additionalProperties: false });

/** The order line a warehouse allocates, picks and dispatches units under (a transfer uses one too). */
export const OrderLineRef = { orderId: Text(), lineId: Text(), sku: Text() };

/** Everything in the contract is read-only for whoever receives it, arrays included. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The TypeScript type of an event's data: derived from its schema, so the two cannot drift apart. */
export type EventData<S extends TSchema> = DeepReadonly<Static<S>>;

/** Per event type, the data type of one version of its schema (`never` for a type without that version). */
export type DataByType<M extends Readonly<Record<string, Readonly<Record<number, TSchema>>>>, V extends number> = {
  [T in keyof M]: M[T] extends Readonly<Record<V, infer S extends TSchema>> ? EventData<S> : never;
};
