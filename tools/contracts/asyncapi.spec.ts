import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { EVENT_SCHEMAS, PUBLIC_EVENT_TYPES } from '@bintrail/contracts';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ALL_CHANNELS, ASYNCAPI_PATH, buildAsyncApi, generateContractFiles, staleContractFiles, writeContractFiles } from './asyncapi';

interface AsyncApiDoc {
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  components: { messages: Record<string, { payload: object }> };
}

describe('AsyncAPI document of the public contract', () => {
  const files = generateContractFiles();
  const doc = buildAsyncApi() as unknown as AsyncApiDoc;

  it('is a valid AsyncAPI 3.0 document: the official parser reports no error', async () => {
    const { document, diagnostics } = await new Parser().parse(files.get(ASYNCAPI_PATH)!);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('/')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().length).toBe(ALL_CHANNELS.length);
  });

  it('has every public event type, at every version, as a message on its category topic', () => {
    for (const type of PUBLIC_EVENT_TYPES) {
      const category = type.slice(0, type.indexOf('.'));
      for (const version of Object.keys(EVENT_SCHEMAS[type])) {
        expect(doc.channels[`${category}Events`]!.messages).toHaveProperty([`${type}.v${version}`]);
      }
    }
    expect(doc.channels['warehouseEvents']!.address).toBe('bintrail.warehouse.events');
    expect(doc.channels['warehouseEventsDeadLetter']!.address).toBe('bintrail.warehouse.events.dlq');
  });

  it("describes a message's payload as the whole envelope, with data per type and version", () => {
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    const validate = ajv.compile(doc.components.messages['warehouse.StockPicked.v1']!.payload);
    const message = {
      type: 'warehouse.StockPicked',
      version: 1,
      eventId: '8f1c5a52-3b1e-4a57-9a53-6c0f2b8e7d10',
      streamId: 'warehouse-WH1',
      streamPosition: 3,
      globalPosition: 42,
      occurredAt: '2026-03-01T10:00:00.000Z',
      data: { orderId: 'SO-1', lineId: 'L1', sku: 'SKU-1', bin: 'A-01-03', quantity: 2 },
      metadata: { correlationId: 'c', causationId: null, actor: 'picker:17', source: 'warehouse' },
    };
    expect(validate(message)).toBe(true);
    expect(validate({ ...message, data: { ...message.data, quantity: 0 } })).toBe(false);
    expect(validate({ ...message, type: 'warehouse.StockMoved' })).toBe(false);
  });

  it('writes each schema standalone, draft 2020-12 with an $id', () => {
    const picked = JSON.parse(files.get('docs/schemas/warehouse.StockPicked.v1.json')!) as Record<string, unknown>;
    expect(picked).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://bintrail.dev/schemas/warehouse.StockPicked.v1.json', additionalProperties: false });
    expect(files.has('docs/schemas/event-envelope.json')).toBe(true);
  });

  it('notices a file that differs from the code, and one left over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bintrail-asyncapi-'));
    try {
      writeContractFiles(dir, files);
      expect(staleContractFiles(dir, files)).toEqual([]);
      writeFileSync(join(dir, ASYNCAPI_PATH), '{}\n');
      writeFileSync(join(dir, 'docs/schemas/warehouse.StockTeleported.v1.json'), '{}\n');
      expect(staleContractFiles(dir, files)).toEqual([ASYNCAPI_PATH, 'docs/schemas/warehouse.StockTeleported.v1.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docs/asyncapi.json and docs/schemas on disk are what the code generates (regenerate: npm run contracts:asyncapi)', () => {
    expect(staleContractFiles()).toEqual([]);
  });
});
