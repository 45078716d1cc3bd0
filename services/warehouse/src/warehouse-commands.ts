import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventMetadata } from '@bintrail/contracts';
import { correlationIdOf, PLATFORM_CONTEXT, POSITION_HEADER, StreamCommandHandler, type CommandOutcome, type PlatformContext } from '@bintrail/service-kit';
import {
  warehouseDecider,
  WarehouseNotFound,
  warehouseStreamId,
  type EventOf,
  type WarehouseCommand,
  type WarehouseEvent,
  type WarehouseState,
} from './stock/warehouse.domain';

export type WarehouseOutcome = CommandOutcome<WarehouseEvent, WarehouseState>;

/**
 * Runs warehouse commands for the HTTP controllers: one long-lived stream per warehouse, decided on
 * its cached state (the domain refuses before anything is appended, so a refused request changes
 * nothing), with the caller's correlation id in the events' metadata and the global position of the
 * last event caused in the `bintrail-position` header.
 */
@Injectable()
export class WarehouseCommands {
  private readonly streams: StreamCommandHandler<WarehouseCommand, WarehouseEvent, WarehouseState>;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext) {
    this.streams = new StreamCommandHandler(platform.store, warehouseDecider);
  }

  async run(warehouse: string, command: WarehouseCommand, request: FastifyRequest, reply: FastifyReply): Promise<WarehouseOutcome> {
    let outcome: WarehouseOutcome;
    try {
      outcome = await this.streams.handle(warehouseStreamId(warehouse), command, {
        correlationId: correlationIdOf(request.headers),
        actor: 'api',
        source: 'warehouse',
      });
    } catch (error) {
      throw error instanceof WarehouseNotFound ? new WarehouseNotFound(warehouse) : error;
    }
    reply.header(POSITION_HEADER, String(outcome.position));
    return outcome;
  }

  /** A command a message asked for (the order choreography), with the event's correlation id and its id as causation. */
  runForEvent(warehouse: string, command: WarehouseCommand, metadata: Partial<EventMetadata>): Promise<WarehouseOutcome> {
    return this.streams.handle(warehouseStreamId(warehouse), command, metadata);
  }

  /** The warehouse's current state, caught up with its stream. */
  async state(warehouse: string): Promise<WarehouseState> {
    return (await this.streams.load(warehouseStreamId(warehouse))).state;
  }
}

/** The data of the first event of a type among those a command caused. */
export function eventOf<Type extends WarehouseEvent['type']>(outcome: WarehouseOutcome, type: Type): EventOf<Type>['data'] | undefined {
  const found = outcome.events.find((e) => e.type === type) as { readonly data: EventOf<Type>['data'] } | undefined;
  return found?.data;
}
