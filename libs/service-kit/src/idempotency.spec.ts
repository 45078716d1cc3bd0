import { canonicalJson, isStorableStatus, parseIdempotencyKey, requestFingerprint } from './idempotency';

describe('idempotency: what counts as the same request', () => {
  it('writes JSON with sorted keys at every level, so key order and spacing do not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson('text')).toBe('"text"');
    expect(canonicalJson(new Date('2026-01-02T03:04:05.000Z'))).toBe('"2026-01-02T03:04:05.000Z"');
  });

  it('fingerprints method, path and body: the same request hashes the same, any difference does not', () => {
    const base = requestFingerprint('PUT', '/items/A', { description: 'Blue', unit: 'each' });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint('put', '/items/A', { unit: 'each', description: 'Blue' })).toBe(base);
    expect(requestFingerprint('POST', '/items/A', { description: 'Blue', unit: 'each' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/items/B', { description: 'Blue', unit: 'each' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/items/A?x=1', { description: 'Blue', unit: 'each' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/items/A', { description: 'Red', unit: 'each' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/items/A', { description: 'Blue', unit: 'each', extra: 1 })).not.toBe(base);
    // No body, an empty body and null are one thing; a string body is not its JSON twin.
    expect(requestFingerprint('POST', '/x', undefined)).toBe(requestFingerprint('POST', '/x', null));
    expect(requestFingerprint('POST', '/x', '')).toBe(requestFingerprint('POST', '/x', undefined));
    expect(requestFingerprint('POST', '/x', '"a"')).not.toBe(requestFingerprint('POST', '/x', 'a'));
    expect(requestFingerprint('POST', '/x', '{}')).not.toBe(requestFingerprint('POST', '/x', {}));
  });

  it('takes a key of 1-200 characters', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ ok: true, key: undefined });
    expect(parseIdempotencyKey('k')).toEqual({ ok: true, key: 'k' });
    expect(parseIdempotencyKey('x'.repeat(200))).toEqual({ ok: true, key: 'x'.repeat(200) });
    expect(parseIdempotencyKey('')).toEqual({ ok: false, error: 'must be 1-200 characters, got 0' });
    expect(parseIdempotencyKey('x'.repeat(201))).toEqual({ ok: false, error: 'must be 1-200 characters, got 201' });
    expect(parseIdempotencyKey(['a', 'b'])).toEqual({ ok: false, error: 'must be given once, got 2 values' });
  });

  it('keeps successes and refusals, never server errors or timing answers', () => {
    for (const status of [200, 201, 204, 302, 400, 404, 409, 413, 422]) expect(isStorableStatus(status)).toBe(true);
    for (const status of [100, 408, 425, 429, 500, 502, 503]) expect(isStorableStatus(status)).toBe(false);
  });
});
