import type { Consumer } from 'kafkajs';
import { KafkaBus } from './kafka';

/**
 * KafkaBus.consume's failure paths against a scripted stand-in for kafkajs (a real broker cannot be
 * made to fail on cue): connect failures, a crash kafkajs will not restart from, stop() in between.
 * Fake timers make the backoff instant and let the test count what is left scheduled.
 */
interface FakeConsumer {
  readonly id: number;
  connected: boolean;
  readonly listeners: Map<string, Set<(event: unknown) => void>>;
  emit(name: string, payload: unknown): void;
}

const mockWorld = {
  /** connect() fails while this is true (the broker is gone). */
  brokerDown: false,
  consumers: [] as FakeConsumer[],
  /** Fake-clock times of every consumer connect() call. */
  connectCalls: [] as number[],
  /** How long connect() takes. */
  connectDelayMs: 0,
  /** Whether run() joins the group (else the join never happens). */
  joins: true,
};

jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' };
  const fakeConsumer = (): Partial<Consumer> & FakeConsumer => {
    const listeners = new Map<string, Set<(event: unknown) => void>>();
    const self = {
      id: mockWorld.consumers.length + 1,
      connected: false,
      listeners,
      events,
      emit: (name: string, payload: unknown) => listeners.get(name)?.forEach((l) => l({ payload })),
      on: (name: string, listener: (event: unknown) => void) => {
        if (!listeners.has(name)) listeners.set(name, new Set());
        listeners.get(name)!.add(listener);
        return () => void listeners.get(name)?.delete(listener);
      },
      connect: async () => {
        mockWorld.connectCalls.push(Date.now());
        if (mockWorld.connectDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, mockWorld.connectDelayMs));
        if (mockWorld.brokerDown) throw new Error('Connection error: connect ECONNREFUSED');
        self.connected = true;
      },
      subscribe: async () => undefined,
      // kafkajs' run() resolves once the member has joined its group.
      run: async () => {
        if (mockWorld.joins) self.emit(events.GROUP_JOIN, {});
      },
      commitOffsets: async () => undefined,
      disconnect: async () => void (self.connected = false),
    };
    mockWorld.consumers.push(self as unknown as FakeConsumer);
    return self as unknown as Partial<Consumer> & FakeConsumer;
  };
  class FakeKafka {
    consumer = fakeConsumer;
  }
  return { ...actual, Kafka: FakeKafka };
});

const CRASH = 'consumer.crash';
const crashForGood = (consumer: FakeConsumer): void =>
  consumer.emit(CRASH, { error: new Error('The group coordinator is not available'), groupId: 'g', restart: false });
const connectedConsumers = (): number[] => mockWorld.consumers.filter((c) => c.connected).map((c) => c.id);

describe('KafkaBus.consume failure paths (scripted kafkajs)', () => {
  let bus: KafkaBus;

  beforeEach(() => {
    jest.useFakeTimers();
    mockWorld.brokerDown = false;
    mockWorld.consumers = [];
    mockWorld.connectCalls = [];
    mockWorld.connectDelayMs = 0;
    mockWorld.joins = true;
    bus = new KafkaBus({ brokers: ['fake:9092'], joinTimeoutMs: 5_000 });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const consume = () => bus.consume({ groupId: 'g', topics: ['t'], handler: async () => undefined });

  it('a start that fails leaves no timer or interval behind', async () => {
    mockWorld.brokerDown = true;
    await expect(consume()).rejects.toThrow('ECONNREFUSED');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rebuilds a consumer that crashed for good, retrying with capped backoff until the broker is back', async () => {
    await consume();
    const started = Date.now();
    mockWorld.brokerDown = true;
    crashForGood(mockWorld.consumers[0]!);
    await jest.advanceTimersByTimeAsync(120_000);

    // 1 s, then doubling, capped at 30 s: tries at 1, 3, 7, 15, 31, 61, 91 s.
    expect(mockWorld.connectCalls.slice(1).map((t) => (t - started) / 1_000)).toEqual([1, 3, 7, 15, 31, 61, 91]);
    expect(connectedConsumers()).toEqual([]);
    // While waiting for the next try: the backoff timer only (no interval of a failed try).
    expect(jest.getTimerCount()).toBe(1);

    mockWorld.brokerDown = false;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(connectedConsumers()).toHaveLength(1);
    // A rebuilt consumer that crashes again is rebuilt again (the backoff starts over).
    const rebuilt = mockWorld.consumers.find((c) => c.connected)!;
    crashForGood(rebuilt);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(connectedConsumers()).toHaveLength(1);
    expect(connectedConsumers()).not.toContain(rebuilt.id);
  });

  it('stop() during a rebuild stops it: no more tries, nothing connected, no timer left', async () => {
    const running = await consume();
    mockWorld.brokerDown = true;
    crashForGood(mockWorld.consumers[0]!);
    await jest.advanceTimersByTimeAsync(5_000);
    const triesBeforeStop = mockWorld.connectCalls.length;

    await running.stop();
    expect(jest.getTimerCount()).toBe(0);
    mockWorld.brokerDown = false;
    await jest.advanceTimersByTimeAsync(120_000);
    expect(mockWorld.connectCalls).toHaveLength(triesBeforeStop);
    expect(connectedConsumers()).toEqual([]);
  });

  it('stop() while a rebuild try is connecting: the consumer it was building is disconnected', async () => {
    const running = await consume();
    crashForGood(mockWorld.consumers[0]!);
    mockWorld.connectDelayMs = 2_000;
    await jest.advanceTimersByTimeAsync(1_500); // the try started at 1 s and is still connecting

    const stopping = running.stop();
    await jest.advanceTimersByTimeAsync(2_000);
    await stopping;
    expect(mockWorld.consumers).toHaveLength(2);
    expect(connectedConsumers()).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a try that connects but never joins times out, is cleaned up, and is tried again', async () => {
    await consume();
    mockWorld.joins = false;
    crashForGood(mockWorld.consumers[0]!);
    await jest.advanceTimersByTimeAsync(1_000 + 5_000); // first try at 1 s, join timeout 5 s
    expect(connectedConsumers()).toEqual([]);

    mockWorld.joins = true;
    await jest.advanceTimersByTimeAsync(2_000); // second try 2 s later
    expect(connectedConsumers()).toEqual([3]);
  });
});
