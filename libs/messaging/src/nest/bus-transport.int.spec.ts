import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { testKafkaBrokers } from '@bintrail/testing';
import { InProcessBus } from '../bus/in-process';
import { KafkaBus } from '../bus/kafka';
import type { MessageBus } from '../bus/port';
import { eventually } from '../bus/contract/bus-contract-suite';
import type { HandlerContext } from '../consumer/event-consumer';
import { ensurePlatformTopics } from '../topics';
import { encodeEvent } from '../wire';

@Injectable()
class Received {
  readonly events: { event: RecordedEvent; correlationId: string | undefined }[] = [];
}

@Controller()
class StockMovementsListener {
  constructor(private readonly received: Received) {}

  @EventPattern('warehouse.StockReceived')
  onReceived(@Payload() event: RecordedEvent, @Ctx() context: HandlerContext): void {
    this.received.events.push({ event, correlationId: context.message.headers['correlation-id'] });
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

describe.each([
  ['in-process', (): MessageBus => new InProcessBus({ redeliveryDelayMs: 5 })],
  ['Kafka', (): MessageBus => new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'nest-transport-test' })],
])('NestJS transport over the %s bus', (_name, openBus) => {
  it('routes events to @EventPattern handlers by contract type and ignores other types', async () => {
    const bus = openBus();
    const topicPrefix = `n${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    await ensurePlatformTopics(bus, { prefix: topicPrefix, partitions: 2 });
    const { BusTransport } = await import('./bus-transport');
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(ListenerModule, {
      strategy: new BusTransport({ bus, groupId: `new-service-${topicPrefix}`, topicPrefix }),
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
