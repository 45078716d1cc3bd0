import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage as HttpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { erpCommandTopic, erpReplyTopic, erpTopics, type ErpReply } from '@bintrail/contracts';
import { KafkaBus, type IncomingMessage, type RunningConsumer } from '@bintrail/messaging';
import { eventually } from '@bintrail/messaging/testing';
import { silentLogger } from '@bintrail/observability';
import { testKafkaBrokers } from '@bintrail/testing';
import { PlatformClient } from '../platform-client';
import { startCommandConsumer } from './command-consumer';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: HttpRequest['headers'];
  readonly body: unknown;
}

/**
 * The inbound consumer on the real broker against a stand-in for the platform's HTTP API (node:http):
 * what it sends (route, body, Idempotency-Key, x-correlation-id) and how it treats the answers. A 5xx
 * or an unreachable platform is retried with backoff, never answered "rejected".
 */
describe('ERP command consumer (real Kafka, stand-in HTTP API)', () => {
  const prefix = `erpcmd_${randomUUID().slice(0, 8)}`;
  const brokers = testKafkaBrokers();
  const seen: Seen[] = [];
  /** What the stand-in answers next: a status per request, then 201. */
  let script: number[] = [];
  let server: Server;
  let port: number;
  let bus: KafkaBus;
  let consumer: RunningConsumer;
  let replies: RunningConsumer;
  const received: IncomingMessage[] = [];
  const lifetime = new AbortController();

  const listen = (on = 0) => new Promise<number>((resolve) => server.listen(on, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: JSON.parse(text) });
        const status = script.shift() ?? 201;
        response.writeHead(status, { 'content-type': 'application/json', 'bintrail-position': '42' });
        response.end(JSON.stringify(status === 201 ? { orderId: 'order-1', status: 'placed', lines: [{ lineId: 'L1', sku: 'S', quantity: 1 }] } : { statusCode: status, message: 'busy' }));
      });
    });
    port = await listen();
    bus = new KafkaBus({ brokers, clientId: 'erp-command-test', commitIntervalMs: 100 });
    await bus.createTopics(erpTopics(prefix).map((topic) => ({ topic, partitions: 1 })));
    replies = await bus.consume({ groupId: `${prefix}.replies-reader`, topics: [erpReplyTopic(prefix)], handler: async (m) => void received.push(m) });
    const platform = new PlatformClient(`http://127.0.0.1:${port}`);
    consumer = await startCommandConsumer({ bus, platform, prefix, groupId: `${prefix}.gateway`, logger: silentLogger, signal: lifetime.signal });
  }, 60_000);

  afterAll(async () => {
    lifetime.abort();
    await consumer?.stop();
    await replies?.stop();
    await bus?.close();
    server.close();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: erpTopics(prefix) }).catch(() => undefined);
    await admin.disconnect();
  }, 30_000);

  const send = (command: Record<string, unknown>) => bus.publish([{ topic: erpCommandTopic(prefix), key: 'k', value: JSON.stringify(command), headers: {} }]);
  const repliesTo = (correlationId: string) => received.map((m) => JSON.parse(m.value) as ErpReply).filter((r) => r.correlationId === correlationId);
  const order = (correlationId: string) => ({ type: 'PlaceSalesOrder', idempotencyKey: `idem-${correlationId}`, correlationId, payload: { lines: [{ sku: 'S', quantity: 1 }] } });

  it('calls POST /orders with the payload, Idempotency-Key and x-correlation-id; 503 twice is retried and then accepted, with no rejection in between', async () => {
    script = [503, 503];
    await send(order('c-503'));
    await eventually(() => expect(repliesTo('c-503')).toHaveLength(1), 20_000);
    const [reply] = repliesTo('c-503');
    expect(reply).toEqual({ correlationId: 'c-503', idempotencyKey: 'idem-c-503', commandType: 'PlaceSalesOrder', status: 'accepted', result: { orderId: 'order-1', status: 'placed', lineIds: [{ lineId: 'L1', sku: 'S', quantity: 1 }] }, position: 42 });
    const calls = seen.filter((s) => s.headers['x-correlation-id'] === 'c-503');
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call).toMatchObject({ method: 'POST', url: '/orders', body: { lines: [{ sku: 'S', quantity: 1 }] } });
      expect(call.headers['idempotency-key']).toBe('idem-c-503');
    }
  }, 30_000);

  it('waits while the platform is unreachable and carries the command out once it answers', async () => {
    server.close();
    await new Promise((r) => setTimeout(r, 100));
    await send(order('c-down'));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(repliesTo('c-down')).toEqual([]); // not rejected: still trying
    await listen(port);
    await eventually(() => expect(repliesTo('c-down')).toHaveLength(1), 20_000);
    const [reply] = repliesTo('c-down');
    expect(reply!.status).toBe('accepted');
  }, 30_000);

  it('answers a 4xx as rejected with the API message', async () => {
    script = [409];
    await send(order('c-409'));
    await eventually(() => expect(repliesTo('c-409')).toHaveLength(1), 20_000);
    const [reply] = repliesTo('c-409');
    expect(reply).toMatchObject({ status: 'rejected', reason: 'busy', errors: ['busy'] });
  }, 30_000);
});
