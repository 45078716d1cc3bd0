import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { erpCommandTopic, erpReplyTopic, stockLevelsTopic, type ErpCommandAccepted, type StockLevelChangedV1 } from '@bintrail/contracts';
import { ErpTestBed } from './erp-gateway.test-helper';
import { eventually } from './testing/platform-process';

/** A message as `kcat -C -J` prints it (one JSON object per line). */
interface KcatMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  /** Name, value, name, value… */
  readonly headers?: readonly string[];
}

/** Runs Debian's kcat with `input` on its stdin; rejects with its stderr when it fails (or is not installed). */
function kcat(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', [...args], { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`kcat ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)));
    child.stdin!.end(input ?? '');
  });
}

/**
 * What an ERP integrator does on day one, with no Bintrail code and no Node: Debian's `kcat` produces a
 * sales order as plain JSON to the command topic and reads the reply and the stock levels it caused.
 * kcat must be installed (the Debian package `kcat`; Jest's global setup installs it when it can): without
 * it this suite fails, it does not skip.
 */
describe('an ERP on kcat: a sales order in as plain JSON, the reply and stock levels out (platform on PostgreSQL + Kafka)', () => {
  const unique = `erpkcat_${Date.now().toString(36)}_${process.pid}`;
  const bed = new ErpTestBed(unique);
  const broker = bed.brokers[0]!;
  const sku = `KCAT-${randomUUID().slice(0, 8)}`;

  /** Everything on a topic so far: `kcat -C -b <broker> -t <topic> -o beginning -e -J` (exits at the end of the topic). */
  const consume = async (topic: string): Promise<KcatMessage[]> =>
    (await kcat(['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as KcatMessage);

  const produce = (key: string, value: unknown, correlationId: string) =>
    kcat(['-P', '-b', broker, '-t', erpCommandTopic(unique), '-k', key, '-H', `correlation-id=${correlationId}`], `${JSON.stringify(value)}\n`);

  const replyTo = (correlationId: string) =>
    eventually(async () => {
      const reply = (await consume(erpReplyTopic(unique))).find((m) => m.key === correlationId);
      if (!reply) throw new Error(`no reply keyed ${correlationId} yet`);
      return reply;
    }, 30_000);

  beforeAll(async () => {
    expect(execFileSync('kcat', ['-V']).toString()).toMatch(/kcat/); // fails here, loudly, when kcat is missing
    await bed.start();
    expect((await bed.http('POST', '/warehouses', { code: 'WH1', name: 'kcat test' })).status).toBe(201);
  }, 120_000);

  afterAll(() => bed.cleanUp(), 60_000);

  it('produces an item and a sales order with kcat -P and reads the accepted reply and the stock levels with kcat -C -J', async () => {
    const itemCorrelation = `erp-item-${sku}`;
    await produce(sku, { type: 'UpsertItem', idempotencyKey: `item-${sku}-v1`, correlationId: itemCorrelation, payload: { sku, description: 'Flange gasket', unit: 'each' } }, itemCorrelation);
    const itemReply = await replyTo(itemCorrelation);
    expect(JSON.parse(itemReply.payload!)).toMatchObject({ status: 'accepted', result: { sku, revision: 1 } });
    expect(itemReply.headers).toEqual(expect.arrayContaining(['correlation-id', itemCorrelation, 'message-type', 'erp.CommandAccepted']));

    // The warehouse books a receipt of 10 (warehouse work happens in Bintrail, not in the ERP).
    await eventually(async () => expect((await bed.http('POST', '/warehouses/WH1/receipts', { sku, quantity: 10 })).status).toBe(201));

    const orderCorrelation = `erp-so-${sku}`;
    await produce('SO-4711', { type: 'PlaceSalesOrder', idempotencyKey: `so-4711-${sku}`, correlationId: orderCorrelation, payload: { customerRef: 'SO-4711', lines: [{ sku, quantity: 3 }] } }, orderCorrelation);
    const orderReply = JSON.parse((await replyTo(orderCorrelation)).payload!) as ErpCommandAccepted;
    expect(orderReply).toMatchObject({ correlationId: orderCorrelation, commandType: 'PlaceSalesOrder', status: 'accepted', result: { orderId: expect.any(String), lineIds: [{ lineId: 'L1', sku, quantity: 3 }] } });

    // The stock-level feed, keyed by SKU: the receipt (10 on hand), then the order's allocation (3 reserved, 7 available).
    const levels = await eventually(async () => {
      const messages = (await consume(stockLevelsTopic(unique))).filter((m) => m.key === sku).map((m) => JSON.parse(m.payload!) as StockLevelChangedV1);
      expect(messages).toContainEqual(expect.objectContaining({ warehouse: 'WH1', onHand: 10, reserved: 3, available: 7 }));
      return messages;
    }, 30_000);
    expect(levels).toContainEqual(expect.objectContaining({ sku, warehouse: 'WH1', onHand: 10, reserved: 0, available: 10, inTransit: 0, backOrdered: 0 }));
    const positions = levels.map((m) => m.asOfPosition);
    expect(positions).toEqual([...positions].sort((a, b) => a - b)); // per key, in the order of the log
    expect(orderReply.position).toBeLessThanOrEqual(Math.max(...positions));
  });
});
