import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { ShippingCommands } from '../shipping-commands';
import { findShipment, shipmentsOfOrder, shipmentsProjection, type ShipmentView } from './shipments.projection';

export class DispatchShipmentBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  carrier!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  trackingNumber!: string;
}

export class DeliverShipmentBody {
  /** When the carrier delivered it (ISO 8601); now when left out. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  deliveredAt?: string;
}

/**
 * Outbound shipments. One is opened per order and warehouse when the order's picks are complete (by
 * the shipping service's reaction to `order.PicksCompleted`, asynchronously: poll GET /shipments?orderId=).
 * Dispatching it makes the warehouse take the staged units off its on-hand and the order record the
 * dispatch; delivering it makes the order record the delivery.
 */
@Controller('shipments')
@UseFilters(DomainErrorFilter)
export class ShipmentsController {
  constructor(
    private readonly commands: ShippingCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @Get()
  @ReadsFrom(shipmentsProjection.name)
  async byOrder(@Query('orderId') orderId: string | undefined): Promise<{ shipments: ShipmentView[] }> {
    if (typeof orderId !== 'string' || orderId.length === 0) throw new BadRequestException('orderId: name the order whose shipments to list');
    return { shipments: await shipmentsOfOrder(this.platform.store.db, this.platform.s, orderId) };
  }

  @Get(':id')
  @ReadsFrom(shipmentsProjection.name)
  async get(@Param('id') shipmentId: string): Promise<ShipmentView> {
    const shipment = await findShipment(this.platform.store.db, this.platform.s, shipmentId);
    if (!shipment) throw new NotFoundException(`shipment ${shipmentId} does not exist`);
    return shipment;
  }

  @Post(':id/dispatch')
  @HttpCode(200)
  async dispatch(@Param('id') shipmentId: string, @Body() body: DispatchShipmentBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = { type: 'DispatchShipment' as const, shipmentId, carrier: body.carrier, trackingNumber: body.trackingNumber, dispatchedAt: new Date().toISOString() };
    const outcome = await this.commands.runShipment(command, request, reply);
    return outcome.state.exists ? view(outcome.state) : undefined;
  }

  @Post(':id/deliver')
  @HttpCode(200)
  async deliver(@Param('id') shipmentId: string, @Body() body: DeliverShipmentBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = { type: 'DeliverShipment' as const, shipmentId, deliveredAt: body.deliveredAt ?? new Date().toISOString() };
    const outcome = await this.commands.runShipment(command, request, reply);
    return outcome.state.exists ? view(outcome.state) : undefined;
  }
}

const view = <T extends { exists: true }>({ exists: _exists, ...rest }: T): Omit<T, 'exists'> => rest;
