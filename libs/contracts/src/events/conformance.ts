import type { PublicEventData, PublicEventType } from './index';

/**
 * Compile-time drift checks between a service's own event types and the contract (used by each service's
 * contract-conformance.spec.ts): `tsc` fails, naming the event type, when the two stop matching.
 */
type AnyEvent = { readonly type: string; readonly data: unknown };
type DataIn<E extends AnyEvent, T> = Extract<E, { readonly type: T }>['data'];

/** Mutually assignable: the same data, as far as any reader or writer can tell. */
export type SameData<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** For the events a service emits (category `C`): each must be the contract's, and the contract must have no type the service does not emit. */
export type EmittedEventsDrift<E extends AnyEvent, C extends string> = {
  [T in E['type'] | Extract<PublicEventType, `${C}.${string}`>]: T extends E['type']
    ? T extends PublicEventType
      ? SameData<DataIn<E, T>, PublicEventData[T]>
      : 'emitted by the service but missing from the contract'
    : 'in the contract but not emitted by the service';
};

/** For the events a service consumes: the contract's data must carry everything the consumer's type reads. */
export type ConsumedEventsDrift<E extends AnyEvent> = {
  [T in E['type']]: T extends PublicEventType ? ([PublicEventData[T]] extends [DataIn<E, T>] ? true : 'the contract lacks what this consumer reads') : 'not a public event type';
};

/** Compiles only when every entry of a drift check is `true`. */
export type NoDrift<R extends Readonly<Record<string, true>>> = R;
