/**
 * An immutable map from string keys, for records that only grow (receipt lines and counts already
 * booked, every order line ever allocated). A plain record copied on every insert made each event cost time in proportion to the
 * warehouse's whole history; here the keys sit in 256 buckets under 16 groups of 16, and an insert
 * copies one bucket, its group (16 names) and the top (16 names), so it stays cheap for hundreds of
 * thousands of keys. (One flat index of 256 buckets, copied whole on every insert, cost a receipt
 * more CPU than the rest of its decision.) Pure, and plain JSON.
 */
export type KeyedRecord<T> = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, T>>>>>>;

export const emptyKeyed: KeyedRecord<never> = {};

const HIGH = Array.from({ length: 16 }, (_, i) => `h${i.toString(16)}`);
const LOW = Array.from({ length: 16 }, (_, i) => `l${i.toString(16)}`);

/** FNV-1a over the key's UTF-16 code units, folded to 8 bits: the bucket's group (high 4 bits) and its name in the group (low 4). */
function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xff;
}

export function keyedGet<T>(record: KeyedRecord<T>, key: string): T | undefined {
  const index = bucketOf(key);
  const bucket = record[HIGH[index >>> 4]!]?.[LOW[index & 0xf]!];
  return bucket && Object.hasOwn(bucket, key) ? bucket[key] : undefined;
}

export function keyedSet<T>(record: KeyedRecord<T>, key: string, value: T): KeyedRecord<T> {
  const index = bucketOf(key);
  const high = HIGH[index >>> 4]!;
  const low = LOW[index & 0xf]!;
  const group = record[high] ?? {};
  return { ...record, [high]: { ...group, [low]: { ...(group[low] ?? {}), [key]: value } } };
}

export function keyedSize(record: KeyedRecord<unknown>): number {
  let size = 0;
  for (const group of Object.values(record)) for (const bucket of Object.values(group)) size += Object.keys(bucket).length;
  return size;
}

/** Every value, in no particular order. */
export function keyedValues<T>(record: KeyedRecord<T>): T[] {
  const values: T[] = [];
  for (const group of Object.values(record)) for (const bucket of Object.values(group)) values.push(...Object.values(bucket));
  return values;
}
