import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { ShippingCatalog } from '../catalog/catalog.projection';
import { InvalidShippingCommand } from '../shipping-errors.domain';
import { ShippingCommands } from '../shipping-commands';
import type { Transfer, TransferState } from './transfer.domain';
import { viewOfStream, type TransferView } from './transfer-view.domain';
import { findTransfer, transfersProjection } from './transfers.projection';

export class RequestTransferBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  fromWarehouse!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  toWarehouse!: string;
}

export class DispatchTransferBody {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  carrier?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  trackingNumber?: string;
}

export class ReceiveTransferBody {
  /** Units that arrived at the destination (0 when none did). */
  @IsInt()
  @Min(0)
  quantity!: number;
}

/** How long a dispatch waits for picks the source has booked to reach the transfer before it decides. */
const PICKS_WAIT_MS = 5_000;

/**
 * Stock transfers between warehouses. The source warehouse allocates a requested transfer like an order
 * line and opens the pick list `transfer-<id>` (GET /warehouses/:from/pick-lists/transfer-<id>); picks are
 * confirmed there. Dispatch takes the picked units off the source and puts them in transit to the
 * destination; the receipt books what arrived at the destination's dock and reports any difference.
 */
@Controller('transfers')
@UseFilters(DomainErrorFilter)
export class TransfersController {
  constructor(
    private readonly commands: ShippingCommands,
    private readonly catalog: ShippingCatalog,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @Post()
  async request(@Body() body: RequestTransferBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { sku, quantity, fromWarehouse, toWarehouse } = body;
    // Bad input before unknown names: the domain's rule, checked here first.
    if (fromWarehouse === toWarehouse) throw new InvalidShippingCommand('toWarehouse', 'must differ from fromWarehouse');
    await this.catalog.require(sku, [fromWarehouse, toWarehouse]);
    const transferId = randomUUID();
    const outcome = await this.commands.runTransfer({ type: 'RequestTransfer', transferId, sku, quantity, fromWarehouse, toWarehouse }, request, reply);
    return { transferId, status: requireTransfer(outcome.state, transferId).status, sku, quantity, fromWarehouse, toWarehouse };
  }

  @Get(':id')
  @ReadsFrom(transfersProjection.name)
  async get(@Param('id') transferId: string): Promise<TransferView> {
    const row = await findTransfer(this.platform.store.db, this.platform.s, transferId);
    if (!row) throw new NotFoundException(`transfer ${transferId} does not exist`);
    return row.view;
  }

  /** Sends what is picked; units still to pick are given back to the source. 409 when nothing is picked, or dispatched already. */
  @Post(':id/dispatch')
  @HttpCode(200)
  async dispatch(@Param('id') transferId: string, @Body() body: DispatchTransferBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.picksBooked(transferId);
    const { carrier, trackingNumber } = body;
    const command = {
      type: 'DispatchTransfer' as const,
      transferId,
      dispatchedAt: new Date().toISOString(),
      ...(carrier === undefined ? {} : { carrier }),
      ...(trackingNumber === undefined ? {} : { trackingNumber }),
    };
    const outcome = await this.commands.runTransfer(command, request, reply);
    return viewOfStream(requireTransfer(outcome.state, transferId));
  }

  /** Ends the transit: `quantity` units go on hand at the destination's dock; a difference is a discrepancy. 409 before dispatch, or received already. */
  @Post(':id/receive')
  @HttpCode(200)
  async receive(@Param('id') transferId: string, @Body() body: ReceiveTransferBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.commands.runTransfer({ type: 'ReceiveTransfer', transferId, quantity: body.quantity, receiptId: randomUUID() }, request, reply);
    return viewOfStream(requireTransfer(outcome.state, transferId));
  }

  /**
   * Picks reach the transfer through the shipping consumer group, a moment after the source booked them.
   * A dispatch right after a pick must send that pick too: wait (bounded) until the transfer has booked
   * every unit the source reports picked as of now.
   */
  private async picksBooked(transferId: string): Promise<void> {
    const deadline = Date.now() + PICKS_WAIT_MS;
    const head = await this.platform.store.headPosition();
    while ((await this.checkpoint()) < head && Date.now() < deadline) await sleep(20);
    const row = await findTransfer(this.platform.store.db, this.platform.s, transferId);
    if (!row) return;
    for (;;) {
      const state = await this.commands.transfer(transferId);
      if (!state.exists || state.status !== 'requested' || state.picked >= row.pickedAtSource || Date.now() >= deadline) return;
      await sleep(20);
    }
  }

  private async checkpoint(): Promise<number> {
    const { rows } = await this.platform.store.db.query<{ position: string }>(`SELECT position FROM ${this.platform.s}.consumer_checkpoints WHERE group_id = $1`, [
      `projection:${transfersProjection.name}`,
    ]);
    return Number(rows[0]?.position ?? 0);
  }
}

/** After a command that did not throw, the stream exists. */
function requireTransfer(state: TransferState, transferId: string): Transfer {
  if (!state.exists) throw new NotFoundException(`transfer ${transferId} does not exist`);
  return state;
}
