import type { IncomingMessage, MessageBus, OutgoingMessage } from '../port';

export interface BusContractTarget {
  open(): Promise<MessageBus>;
}

let counter = 0;
const fresh = (what: string): string => `contract-${what}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

/** Waits until `check` passes (or fails with its last assertion after the timeout). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

const msg = (topic: string, key: string, n: number): OutgoingMessage => ({
  topic,
  key,
  value: JSON.stringify({ key, n }),
  headers: { 'event-type': 'warehouse.StockMoved', n: String(n) },
});

/** The behaviour both bus adapters share (Kafka for real, in-process for the embedded mode). */
export function describeBusContract(name: string, target: BusContractTarget): void {
  describe(`MessageBus contract: ${name}`, () => {
    let bus: MessageBus;

    beforeAll(async () => {
      bus = await target.open();
    });
    afterAll(async () => {
      await bus?.close();
    });

    it('delivers every message to a group, in order per key, with headers', async () => {
      const topic = fresh('order');
      await bus.createTopics([{ topic, partitions: 3 }]);
      const got: IncomingMessage[] = [];
      const consumer = await bus.consume({ groupId: fresh('g'), topics: [topic], handler: async (m) => void got.push(m) });
      const keys = ['bin-A', 'bin-B', 'bin-C', 'bin-D'];
      const sent = Array.from({ length: 40 }, (_, n) => msg(topic, keys[n % keys.length]!, n));
      await bus.publish(sent);

      await eventually(() => expect(got).toHaveLength(40));
      for (const key of keys) {
        const ns = got.filter((m) => m.key === key).map((m) => Number(m.headers.n));
        expect(ns).toEqual(sent.filter((m) => m.key === key).map((m) => Number(m.headers.n)));
        expect(new Set(got.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
      }
      expect(got[0]!.headers['event-type']).toBe('warehouse.StockMoved');
      expect(JSON.parse(got[0]!.value)).toEqual({ key: got[0]!.key, n: Number(got[0]!.headers.n) });
      await consumer.stop();
    });

    it('gives every consumer group its own copy of each message', async () => {
      const topic = fresh('groups');
      await bus.createTopics([{ topic, partitions: 2 }]);
      const a: number[] = [];
      const b: number[] = [];
      const ca = await bus.consume({ groupId: fresh('ga'), topics: [topic], handler: async (m) => void a.push(Number(m.headers.n)) });
      const cb = await bus.consume({ groupId: fresh('gb'), topics: [topic], handler: async (m) => void b.push(Number(m.headers.n)) });
      await bus.publish(Array.from({ length: 10 }, (_, n) => msg(topic, `k${n}`, n)));
      await eventually(() => {
        expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect([...b].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });
      await Promise.all([ca.stop(), cb.stop()]);
    });

    it('delivers a message again when the handler fails, before the next one of its partition', async () => {
      const topic = fresh('redeliver');
      await bus.createTopics([{ topic, partitions: 1 }]);
      const seen: number[] = [];
      let failures = 0;
      const consumer = await bus.consume({
        groupId: fresh('g'),
        topics: [topic],
        handler: async (m) => {
          const n = Number(m.headers.n);
          if (n === 1 && failures < 2) {
            failures += 1;
            throw new Error('database briefly unavailable');
          }
          seen.push(n);
        },
      });
      await bus.publish([msg(topic, 'k', 0), msg(topic, 'k', 1), msg(topic, 'k', 2)]);
      await eventually(() => expect(seen).toEqual([0, 1, 2]));
      expect(failures).toBe(2);
      await consumer.stop();
    });

    it('resumes a group after its committed offset when a consumer restarts', async () => {
      const topic = fresh('resume');
      const groupId = fresh('g');
      await bus.createTopics([{ topic, partitions: 1 }]);
      const first: number[] = [];
      const c1 = await bus.consume({ groupId, topics: [topic], handler: async (m) => void first.push(Number(m.headers.n)) });
      await bus.publish([msg(topic, 'k', 0), msg(topic, 'k', 1)]);
      await eventually(() => expect(first).toEqual([0, 1]));
      await c1.stop();

      await bus.publish([msg(topic, 'k', 2)]);
      const second: number[] = [];
      const c2 = await bus.consume({ groupId, topics: [topic], handler: async (m) => void second.push(Number(m.headers.n)) });
      await eventually(() => expect(second).toEqual([2]));
      await c2.stop();
    });

    it('refuses to publish to a topic that was never created', async () => {
      await expect(bus.publish([msg(fresh('missing'), 'k', 0)])).rejects.toThrow();
    });
  });
}
