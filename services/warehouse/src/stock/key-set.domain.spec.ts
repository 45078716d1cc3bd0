import { emptyKeyed, keyedGet, keyedSet, keyedSize, type KeyedRecord } from './key-set.domain';

describe('keyed record', () => {
  it('finds what was set, leaves the record it came from unchanged, and holds many keys', () => {
    let record: KeyedRecord<number> = emptyKeyed;
    for (let i = 0; i < 5_000; i++) record = keyedSet(record, `["R-${i}","SKU-${i % 7}"]`, i);
    const before = record;
    const after = keyedSet(record, 'constructor', -1);
    expect(keyedGet(before, 'constructor')).toBeUndefined(); // never a prototype property, and the old record is untouched
    expect(keyedGet(after, 'constructor')).toBe(-1);
    expect(keyedGet(after, '["R-4321","SKU-2"]')).toBe(4321);
    expect(keyedGet(after, '["R-4321","SKU-3"]')).toBeUndefined();
    expect(keyedSize(after)).toBe(5_001);
    expect(Object.keys(after).length).toBeLessThanOrEqual(256);
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
  });
});
