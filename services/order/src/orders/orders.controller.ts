import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { Catalog } from '../catalog/catalog.projection';
import { OrderCommands } from './order-commands';
import { orderStatus } from './order.domain';
import { findOrder, ordersProjection, type OrderView } from './orders.projection';

export class OrderLineBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

export class PlaceOrderBody {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => OrderLineBody)
  lines!: OrderLineBody[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerRef?: string;
}

export class CancelOrderBody {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/**
 * Sales orders. Placing one asks the warehouses (all known to the order service, in code order) for
 * each line in turn; what none has is back-ordered and retried, oldest order first, when stock arrives.
 * That runs asynchronously (the allocation choreography): poll GET /orders/:id until its status settles.
 */
@Controller('orders')
@UseFilters(DomainErrorFilter)
export class OrdersController {
  constructor(
    private readonly commands: OrderCommands,
    private readonly catalog: Catalog,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @Post()
  async place(@Body() body: PlaceOrderBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.catalog.requireItems(body.lines.map((l) => l.sku));
    const warehouses = await this.catalog.warehouses();
    const orderId = randomUUID();
    const lines = body.lines.map((l, i) => ({ lineId: `L${i + 1}`, sku: l.sku, quantity: l.quantity }));
    const placedAt = new Date().toISOString();
    const command = { type: 'PlaceOrder' as const, orderId, lines, warehouses, placedAt, ...(body.customerRef === undefined ? {} : { customerRef: body.customerRef }) };
    const outcome = await this.commands.run(command, request, reply);
    return { orderId, status: orderStatus(outcome.state), placedAt, warehouses, lines, ...(body.customerRef === undefined ? {} : { customerRef: body.customerRef }) };
  }

  @Get(':id')
  @ReadsFrom(ordersProjection.name)
  async get(@Param('id') orderId: string): Promise<OrderView> {
    const order = await findOrder(this.platform.store.db, this.platform.s, orderId);
    if (!order) throw new NotFoundException(`order ${orderId} does not exist`);
    return order;
  }

  /** Cancels the order: every unit a warehouse holds for it is released (asynchronously), its back-orders are dropped. */
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') orderId: string, @Body() body: CancelOrderBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = { type: 'CancelOrder' as const, orderId, reason: body.reason ?? 'cancelled by the customer', cancelledAt: new Date().toISOString() };
    const outcome = await this.commands.run(command, request, reply);
    const cancelled = outcome.events.find((e) => e.type === 'order.OrderCancelled');
    return { orderId, status: orderStatus(outcome.state), ...(cancelled?.type === 'order.OrderCancelled' ? { releases: cancelled.data.releases, backOrdersCancelled: cancelled.data.backOrdersCancelled } : {}) };
  }
}
