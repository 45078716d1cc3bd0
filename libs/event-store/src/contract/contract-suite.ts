import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@bintrail/contracts';
import { DuplicateEventId, InvalidAppend, WrongExpectedVersion } from '../errors';
import type { AppendResult, EventStore } from '../port';
import { collectUntil } from './collect';

export interface ContractTarget {
  /** Opens the store under test; called once per suite. */
  open(): Promise<EventStore>;
  /** Removes what `open` created (schema, data folder…). */
  cleanup?(): Promise<void>;
}

let counter = 0;
/** A category no other test uses, so readAll/subscribe tests can filter to their own events. */
function freshCategory(): string {
  counter += 1;
  return `t${counter}x${Math.floor(Math.random() * 1e9).toString(36)}`;
}

function received(category: string, n: number, extra: Partial<NewEvent> = {}): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type: `${category}.StockReceived`, data: { sku: `SKU-${i}`, quantity: i + 1 }, ...extra }));
}

/** The behaviour every EventStore adapter must show. Runs inside the caller's Jest file. */
export function describeEventStoreContract(adapterName: string, target: ContractTarget): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;

    beforeAll(async () => {
      store = await target.open();
    });

    afterAll(async () => {
      await store?.close();
      await target.cleanup?.();
    });

    describe('appendToStream', () => {
      it('stores events with every contract field and consecutive stream positions', async () => {
        const category = freshCategory();
        const streamId = `${category}-WH1`;
        const eventId = randomUUID();
        const occurredAt = new Date('2026-03-01T08:30:00.000Z');
        const result = await store.appendToStream(
          streamId,
          [
            {
              type: `${category}.StockReceived`,
              version: 2,
              eventId,
              occurredAt,
              data: { sku: 'SKU-1', bin: 'A-01-03', quantity: 7, lot: null, tags: ['cold'] },
              metadata: { correlationId: 'corr-1', causationId: 'cmd-1', actor: 'erp:sap', source: 'warehouse' },
            },
            { type: `${category}.StockPutAway`, data: { sku: 'SKU-1', from: 'DOCK', to: 'A-01-03' } },
          ],
          { expectedVersion: 'no-stream' },
        );

        expect(result.nextExpectedVersion).toBe(2);
        expect(result.alreadyStored).toBe(false);
        expect(result.positions.map((p) => p.streamPosition)).toEqual([1, 2]);
        expect(result.positions[1]!.globalPosition).toBeGreaterThan(result.positions[0]!.globalPosition);

        const events = await store.readStream(streamId);
        expect(events).toHaveLength(2);
        expect(events[0]).toEqual({
          type: `${category}.StockReceived`,
          version: 2,
          eventId,
          streamId,
          streamPosition: 1,
          globalPosition: result.positions[0]!.globalPosition,
          occurredAt,
          data: { sku: 'SKU-1', bin: 'A-01-03', quantity: 7, lot: null, tags: ['cold'] },
          metadata: expect.objectContaining({ correlationId: 'corr-1', causationId: 'cmd-1', actor: 'erp:sap', source: 'warehouse' }),
        });
        expect(events[1]!.version).toBe(1);
        expect(events[1]!.metadata.correlationId).toEqual(expect.any(String));
        expect(events[1]!.metadata.actor).toEqual(expect.any(String));
        expect(events[1]!.eventId).toMatch(/^[0-9a-f-]{36}$/);
      });

      it('checks the expected version: exact, no-stream, stream-exists and any', async () => {
        const streamId = `${freshCategory()}-WH1`;
        const [event] = received('warehouse', 1);

        await expect(store.appendToStream(streamId, [event!], { expectedVersion: 'stream-exists' })).rejects.toMatchObject({
          name: 'WrongExpectedVersion',
          expected: 'stream-exists',
          actual: 0,
        });
        await store.appendToStream(streamId, received('warehouse', 2), { expectedVersion: 'no-stream' });

        const conflict = store.appendToStream(streamId, [event!], { expectedVersion: 1 });
        await expect(conflict).rejects.toBeInstanceOf(WrongExpectedVersion);
        await expect(conflict).rejects.toMatchObject({ streamId, expected: 1, actual: 2 });
        await expect(store.appendToStream(streamId, [event!], { expectedVersion: 'no-stream' })).rejects.toMatchObject({ actual: 2 });

        expect((await store.appendToStream(streamId, received('warehouse', 1), { expectedVersion: 2 })).nextExpectedVersion).toBe(3);
        expect((await store.appendToStream(streamId, received('warehouse', 1), { expectedVersion: 'stream-exists' })).nextExpectedVersion).toBe(4);
        expect((await store.appendToStream(streamId, received('warehouse', 1))).nextExpectedVersion).toBe(5);
        expect(await store.readStream(streamId)).toHaveLength(5);
      });

      it('lets exactly one of two racing writers with the same expected version win', async () => {
        const streamId = `${freshCategory()}-SKU-LAST`;
        await store.appendToStream(streamId, received('inventory', 1), { expectedVersion: 'no-stream' });
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, () => store.appendToStream(streamId, received('inventory', 1), { expectedVersion: 1 })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
          expect(r.reason).toBeInstanceOf(WrongExpectedVersion);
        }
        expect((await store.readStream(streamId)).map((e) => e.streamPosition)).toEqual([1, 2]);
      });

      it('treats a retried append (same event ids) as a no-op returning the original positions', async () => {
        const category = freshCategory();
        const streamId = `${category}-WH1`;
        const events = received(category, 3).map((e) => ({ ...e, eventId: randomUUID() }));
        const first = await store.appendToStream(streamId, events, { expectedVersion: 'no-stream' });

        // The retry arrives after the stream moved on and with the original expected version.
        await store.appendToStream(streamId, received(category, 1), { expectedVersion: 3 });
        const retry = await store.appendToStream(
          streamId,
          events.map((e) => ({ ...e, data: JSON.parse(JSON.stringify(e.data)) as unknown })),
          { expectedVersion: 'no-stream' },
        );

        expect(retry.alreadyStored).toBe(true);
        expect(retry.positions).toEqual(first.positions);
        expect(await store.readStream(streamId)).toHaveLength(4);
        expect(await store.readAll({ categories: [category] })).toHaveLength(4);
      });

      it('two identical appends in flight together both succeed with the same positions', async () => {
        // A retry sent while its first try is still running (a client timed out and resent): neither
        // call may be told it conflicted. Many pairs at once, so a store with real concurrency races.
        const category = freshCategory();
        const pairs = 20;
        const results = await Promise.all(
          Array.from({ length: pairs }, (_, i) => {
            const events = received(category, 2).map((e) => ({ ...e, eventId: randomUUID() }));
            const send = () => store.appendToStream(`${category}-${i}`, events, { expectedVersion: 'no-stream' });
            return Promise.allSettled([send(), send()]);
          }),
        );

        const refused = results.flat().flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        expect(refused).toEqual([]);
        for (const pair of results) {
          const [a, b] = pair.map((r) => (r as PromiseFulfilledResult<AppendResult>).value);
          expect(b!.positions).toEqual(a!.positions);
          expect(a!.positions.map((p) => p.streamPosition)).toEqual([1, 2]);
          expect([a!.nextExpectedVersion, b!.nextExpectedVersion]).toEqual([2, 2]);
          // At least one of them wrote (an adapter may not be able to tell which one did).
          expect([a!.alreadyStored, b!.alreadyStored]).toContain(false);
        }
        expect(await store.readAll({ categories: [category] })).toHaveLength(pairs * 2);
      });

      it('refuses an already stored event id with different content', async () => {
        const category = freshCategory();
        const eventId = randomUUID();
        await store.appendToStream(`${category}-A`, [{ type: `${category}.StockReceived`, eventId, data: { quantity: 1 } }]);

        await expect(
          store.appendToStream(`${category}-A`, [{ type: `${category}.StockReceived`, eventId, data: { quantity: 2 } }]),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        await expect(
          store.appendToStream(`${category}-B`, [{ type: `${category}.StockReceived`, eventId, data: { quantity: 1 } }]),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readAll({ categories: [category] })).toHaveLength(1);
      });

      it('refuses an append mixing a new event with an already stored one, writing nothing', async () => {
        const category = freshCategory();
        const stored = randomUUID();
        await store.appendToStream(`${category}-A`, [{ type: `${category}.StockReceived`, eventId: stored, data: { quantity: 1 } }]);
        const mixed = [
          { type: `${category}.StockReceived`, eventId: randomUUID(), data: { quantity: 5 } },
          { type: `${category}.StockReceived`, eventId: stored, data: { quantity: 1 } },
        ];
        await expect(store.appendToStream(`${category}-A`, mixed)).rejects.toBeInstanceOf(DuplicateEventId);
        await expect(store.appendToStream(`${category}-B`, mixed)).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readAll({ categories: [category] })).toHaveLength(1);
      });

      it.each([
        ['an empty stream id', '', [{ type: 'warehouse.StockReceived', data: {} }], 'streamId'],
        ['no events', 'warehouse-X', [], 'events'],
        ['a type without a category prefix', 'warehouse-X', [{ type: 'StockReceived', data: {} }], 'events[0].type'],
        ['a bigint in the payload', 'warehouse-X', [{ type: 'warehouse.StockReceived', data: { quantity: 1n } }], 'events[0].data'],
        ['an undefined payload', 'warehouse-X', [{ type: 'warehouse.StockReceived', data: undefined }], 'events[0].data'],
        ['a malformed event id', 'warehouse-X', [{ type: 'warehouse.StockReceived', data: {}, eventId: 'nope' }], 'events[0].eventId'],
      ])('refuses %s with an error naming the field, writing nothing', async (_what, streamId, events, field) => {
        const error = await store.appendToStream(streamId, events as NewEvent[]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidAppend);
        expect((error as InvalidAppend).field).toBe(field);
        expect((error as Error).message).toContain(field);
        if (streamId) expect(await store.readStream(streamId)).toEqual([]);
      });

      it('refuses a cyclic payload', async () => {
        const cyclic: Record<string, unknown> = { sku: 'A' };
        cyclic.self = cyclic;
        const streamId = `${freshCategory()}-X`;
        await expect(store.appendToStream(streamId, [{ type: 'warehouse.StockReceived', data: cyclic }])).rejects.toMatchObject({
          name: 'InvalidAppend',
          field: 'events[0].data',
        });
        expect(await store.readStream(streamId)).toEqual([]);
      });
    });

    describe('readStream', () => {
      it('reads a window forwards and backwards', async () => {
        const category = freshCategory();
        const streamId = `${category}-BIN-A-01-03`;
        await store.appendToStream(streamId, received(category, 6));

        const positions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(streamId, options)).map((e) => e.streamPosition);
        expect(await positions({})).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await positions({ from: 3 })).toEqual([3, 4, 5, 6]);
        expect(await positions({ from: 2, to: 4 })).toEqual([2, 3, 4]);
        expect(await positions({ from: 2, maxCount: 2 })).toEqual([2, 3]);
        expect(await positions({ direction: 'backwards' })).toEqual([6, 5, 4, 3, 2, 1]);
        expect(await positions({ direction: 'backwards', from: 4, maxCount: 2 })).toEqual([4, 3]);
        expect(await positions({ direction: 'backwards', from: 5, to: 4 })).toEqual([5, 4]);
        expect(await store.readStream(`${category}-missing`)).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('returns the global log in increasing global position, filtered by category', async () => {
        const a = freshCategory();
        const b = freshCategory();
        await store.appendToStream(`${a}-1`, received(a, 2));
        await store.appendToStream(`${b}-1`, received(b, 1));
        await store.appendToStream(`${a}-2`, received(a, 1));

        const both = await store.readAll({ categories: [a, b] });
        expect(both.map((e) => e.streamId)).toEqual([`${a}-1`, `${a}-1`, `${b}-1`, `${a}-2`]);
        const positions = both.map((e) => e.globalPosition);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(4);

        const onlyA = await store.readAll({ categories: [a] });
        expect(onlyA.map((e) => e.streamId)).toEqual([`${a}-1`, `${a}-1`, `${a}-2`]);

        const fromThird = await store.readAll({ categories: [a, b], fromGlobalPosition: positions[2]! });
        expect(fromThird.map((e) => e.globalPosition)).toEqual(positions.slice(2));
        expect(await store.readAll({ categories: [a, b], maxCount: 2 })).toEqual(both.slice(0, 2));
      });
    });

    describe('subscribeToAll', () => {
      it('catches up from a checkpoint, then follows live appends, in order and once each', async () => {
        const category = freshCategory();
        const first = await store.appendToStream(`${category}-1`, received(category, 3));
        const checkpoint = first.positions[0]!.globalPosition;

        const collecting = collectUntil(store, { fromCheckpoint: checkpoint, categories: [category] }, (seen) => seen.length >= 5);
        await new Promise((r) => setTimeout(r, 100));
        await store.appendToStream(`${category}-2`, received(category, 1));
        await store.appendToStream(`${category}-1`, received(category, 2));
        const seen = await collecting;

        expect(seen).toHaveLength(5);
        expect(seen.map((e) => [e.streamId, e.streamPosition])).toEqual([
          [`${category}-1`, 2],
          [`${category}-1`, 3],
          [`${category}-2`, 1],
          [`${category}-1`, 4],
          [`${category}-1`, 5],
        ]);
        const positions = seen.map((e) => e.globalPosition);
        expect(positions[0]).toBeGreaterThan(checkpoint);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      });

      it('stops and reports the handler error through done', async () => {
        const category = freshCategory();
        await store.appendToStream(`${category}-1`, received(category, 2));
        const handled: number[] = [];
        const subscription = store.subscribeToAll({ categories: [category] }, (event) => {
          handled.push(event.streamPosition);
          if (event.streamPosition === 1) throw new Error('projection failed');
        });
        await expect(subscription.done).rejects.toThrow('projection failed');
        expect(handled).toEqual([1]);
        expect(subscription.checkpoint).toBe(0);
      });
    });
  });
}
