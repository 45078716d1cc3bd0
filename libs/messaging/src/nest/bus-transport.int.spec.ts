import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { testKafkaBrokers } from '@bintrail/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEventStore } from '@bintrail/event-store';
import { KafkaBus } from '../bus/kafka';
import { eventually } from '../bus/contract/bus-contract-suite';
import { LogConsumers } from '../log/log-consumer';
import { KafkaEventSource, LogEventSource, type EventContext } from '../source/event-source';
import { BusTransport } from './bus-transport';
import { ensurePlatformTopics } from '../topics';
import { encodeEvent } from '../wire';

@Injectable()
class Received {
  readonly events: { event: RecordedEvent; correlationId: string | undefined; hadTransaction: boolean }[] = [];
}

@Controller()
class StockMovementsListener {
  constructor(private readonly received: Received) {}

  @EventPattern('warehouse.StockReceived')
  onReceived(@Payload() event: RecordedEvent, @Ctx() context: EventContext): void {
    this.received.events.push({ event, correlationId: context.message?.headers['correlation-id'], hadTransaction: context.tx !== undefined });
  }
}

@Module({ controllers: [StockMovementsListener], providers: [Received] })
class ListenerModule {}

const event = (type: string): RecordedEvent => ({
  type,
  version: 1,
  eventId: randomUUID(),
  streamId: 'warehouse-WH1',
  streamPosition: 1,
  globalPosition: 1,
  occurredAt: new Date(),
  data: { sku: 'SKU-1', quantity: 5 },
  metadata: { correlationId: 'corr-42', causationId: null, actor: 'erp', source: 'warehouse' },
});

describe('NestJS transport over Kafka', () => {
  it('routes events to @EventPattern handlers by contract type and ignores other types', async () => {
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'nest-transport-test' });
    const topicPrefix = `n${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    await ensurePlatformTopics(bus, { prefix: topicPrefix, partitions: 2 });
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(ListenerModule, {
      strategy: new BusTransport({ source: new KafkaEventSource({ bus, topicPrefix }), groupId: `new-service-${topicPrefix}` }),
      logger: false,
    });
    await app.listen();

    const received = event('warehouse.StockReceived');
    await bus.publish([encodeEvent(event('warehouse.StockPicked'), topicPrefix), encodeEvent(received, topicPrefix)]);

    const sink = app.get(Received);
    await eventually(() => expect(sink.events).toHaveLength(1), 30_000);
    expect(sink.events[0]!.event).toEqual(received);
    expect(sink.events[0]!.correlationId).toBe('corr-42');
    await app.close();
    await bus.close();
  });
});

describe('NestJS transport over the store log (embedded, PGlite)', () => {
  it('routes appended events to @EventPattern handlers, with the transaction that commits the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bintrail-transport-'));
    const store = await openEmbeddedEventStore(dir);
    const consumers = await LogConsumers.open(store, store.db, 'bintrail');
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(ListenerModule, {
      strategy: new BusTransport({ source: new LogEventSource(consumers), groupId: 'new-service' }),
      logger: false,
    });
    await app.listen();
    await store.appendToStream('warehouse-WH1', [
      { type: 'warehouse.StockPicked', data: { sku: 'SKU-1', quantity: 1 } },
      { type: 'warehouse.StockReceived', data: { sku: 'SKU-1', quantity: 5 }, metadata: { correlationId: 'corr-42' } },
    ]);
    const sink = app.get(Received);
    await eventually(() => expect(sink.events).toHaveLength(1), 10_000);
    expect(sink.events[0]!.event.type).toBe('warehouse.StockReceived');
    expect(sink.events[0]!.hadTransaction).toBe(true);
    await eventually(async () => expect(await consumers.checkpoint('new-service')).toBe(2), 5_000);
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
