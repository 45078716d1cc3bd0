import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventMetadata } from '@bintrail/contracts';
import { correlationIdOf, PLATFORM_CONTEXT, POSITION_HEADER, StreamCommandHandler, type CommandOutcome, type PlatformContext } from '@bintrail/service-kit';
import { orderDecider, orderStreamId, type OrderCommand, type OrderEvent, type OrderState } from './order.domain';

export type OrderOutcome = CommandOutcome<OrderEvent, OrderState>;

/** Runs order commands (HTTP and the allocation process manager alike) on the order streams, one at a time per stream. */
@Injectable()
export class OrderCommands {
  private readonly streams: StreamCommandHandler<OrderCommand, OrderEvent, OrderState>;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext) {
    this.streams = new StreamCommandHandler(platform.store, orderDecider);
  }

  async run(command: OrderCommand, request: FastifyRequest, reply: FastifyReply): Promise<OrderOutcome> {
    const outcome = await this.streams.handle(orderStreamId(command.orderId), command, { correlationId: correlationIdOf(request.headers), actor: 'api', source: 'order' });
    reply.header(POSITION_HEADER, String(outcome.position));
    return outcome;
  }

  runForEvent(command: OrderCommand, metadata: Partial<EventMetadata>): Promise<OrderOutcome> {
    return this.streams.handle(orderStreamId(command.orderId), command, metadata);
  }
}
