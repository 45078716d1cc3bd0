import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@bintrail/contracts';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { openEmbeddedEventStore, type SqlEventStore } from '@bintrail/event-store';
import { eventually } from '../bus/contract/bus-contract-suite';
import { LogConsumers } from '../log/log-consumer';
import { LogEventSource, type EventContext } from '../source/event-source';
import { BusTransport } from './bus-transport';

const ORDER = Symbol('order-transport');
const WAREHOUSE = Symbol('warehouse-transport');

@Injectable()
class Calls {
  readonly seen: string[] = [];
}

@Controller()
class OrderHandlers {
  constructor(private readonly calls: Calls) {}

  @EventPattern(['warehouse.StockAllocated', 'warehouse.StockPicked'], ORDER)
  on(@Payload() event: RecordedEvent, @Ctx() context: EventContext): void {
    this.calls.seen.push(`order:${event.type}:${context.tx === undefined ? 'no-tx' : 'tx'}`);
  }
}

@Controller()
class WarehouseHandlers {
  constructor(private readonly calls: Calls) {}

  @EventPattern('order.AllocationRequested', WAREHOUSE)
  on(@Payload() event: RecordedEvent, @Ctx() context: EventContext): void {
    this.calls.seen.push(`warehouse:${event.type}:${context.tx === undefined ? 'no-tx' : 'tx'}`);
  }
}

@Module({ controllers: [OrderHandlers, WarehouseHandlers], providers: [Calls] })
class AppModule {}

/** Several services in one app, one consumer group each: a transport id keeps each group to its own service's handlers. */
describe('BusTransport with one consumer group per service (store log, PGlite)', () => {
  let dir: string;
  let store: SqlEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bintrail-bt-groups-'));
    store = await openEmbeddedEventStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes each event type to its own group only, once, and runs non-transactional groups without a tx', async () => {
    const consumers = await LogConsumers.open(store, store.db, 'bintrail');
    const source = new LogEventSource(consumers, { wake: (ms) => store.waitForAppend(ms) });
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
    const order = new BusTransport({ source, groupId: 'order', transportId: ORDER, transactional: false });
    const warehouse = new BusTransport({ source, groupId: 'warehouse', transportId: WAREHOUSE });
    app.connectMicroservice<MicroserviceOptions>({ strategy: order });
    app.connectMicroservice<MicroserviceOptions>({ strategy: warehouse });
    await app.startAllMicroservices();
    await app.init();

    await store.appendToStream('order-1', [{ type: 'order.AllocationRequested', data: {} }]);
    await store.appendToStream('warehouse-WH1', [
      { type: 'warehouse.StockAllocated', data: {} },
      { type: 'warehouse.StockPicked', data: {} },
    ]);
    const calls = app.get(Calls);
    await eventually(() => expect(calls.seen).toHaveLength(3), 10_000);
    await eventually(async () => expect([await consumers.checkpoint('order'), await consumers.checkpoint('warehouse')]).toEqual([3, 1]), 10_000); // each reads only its categories of the log
    expect([...calls.seen].sort()).toEqual(['order:warehouse.StockAllocated:no-tx', 'order:warehouse.StockPicked:no-tx', 'warehouse:order.AllocationRequested:tx']);
    expect(order.subscriptionStatus).toMatchObject({ groupId: 'order', applied: 2 });
    expect(warehouse.subscriptionStatus).toMatchObject({ groupId: 'warehouse', applied: 1 });
    await app.close();
  });
});
