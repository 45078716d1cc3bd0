/**
 * An immutable map from string keys, for records that only grow (receipt lines and counts already
 * booked). A plain record copied on every insert made each event cost time in proportion to the
 * warehouse's whole history; here an insert copies one of 256 buckets and the bucket index, so it
 * stays cheap for hundreds of thousands of keys. Pure, and plain JSON.
 */
export type KeyedRecord<T> = Readonly<Record<string, Readonly<Record<string, T>>>>;

export const emptyKeyed: KeyedRecord<never> = {};

/** FNV-1a over the key's UTF-16 code units, folded to two hex digits: the bucket's name. */
function bucketOf(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xff).toString(16).padStart(2, '0');
}

export function keyedGet<T>(record: KeyedRecord<T>, key: string): T | undefined {
  const bucket = record[bucketOf(key)];
  return bucket && Object.hasOwn(bucket, key) ? bucket[key] : undefined;
}

export function keyedSet<T>(record: KeyedRecord<T>, key: string, value: T): KeyedRecord<T> {
  const name = bucketOf(key);
  return { ...record, [name]: { ...(record[name] ?? {}), [key]: value } };
}

export function keyedSize(record: KeyedRecord<unknown>): number {
  return Object.values(record).reduce((sum, bucket) => sum + Object.keys(bucket).length, 0);
}
