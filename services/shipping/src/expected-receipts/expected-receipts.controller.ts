import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { ShippingCommands } from '../shipping-commands';
import { expectedReceiptStatus, expectedReceiptView, type ExpectedReceiptView } from './expected-receipt.domain';
import { expectedReceiptsProjection, findExpectedReceipt } from './expected-receipts.projection';

export class ExpectedLineBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

export class RegisterExpectedReceiptBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  warehouse!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ExpectedLineBody)
  lines!: ExpectedLineBody[];

  /** When the goods are expected (ISO 8601). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  eta!: string;
}

/**
 * Expected receipts (ASNs): units announced to a warehouse count as in transit there until a receipt
 * naming the ASN (`POST /warehouses/:wh/receipts` with `expectedReceiptId`) books them, or until the ASN
 * is closed (what never came is given up on).
 */
@Controller('expected-receipts')
@UseFilters(DomainErrorFilter)
export class ExpectedReceiptsController {
  constructor(
    private readonly commands: ShippingCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @Post()
  async register(@Body() body: RegisterExpectedReceiptBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const asnId = randomUUID();
    const lines = body.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    const outcome = await this.commands.runExpectedReceipt({ type: 'RegisterExpectedReceipt', asnId, warehouse: body.warehouse, lines, eta: body.eta }, request, reply);
    return { asnId, warehouse: body.warehouse, eta: body.eta, lines, status: expectedReceiptStatus(outcome.state) };
  }

  @Get(':id')
  @ReadsFrom(expectedReceiptsProjection.name)
  async get(@Param('id') asnId: string): Promise<ExpectedReceiptView> {
    const asn = await findExpectedReceipt(this.platform.store.db, this.platform.s, asnId);
    if (!asn) throw new NotFoundException(`expected receipt ${asnId} does not exist`);
    return expectedReceiptView(asn);
  }

  /** Gives up on what has not come: its open units are no longer in transit. 409 when it is closed already. */
  @Post(':id/close')
  @HttpCode(200)
  async close(@Param('id') asnId: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ExpectedReceiptView | undefined> {
    const outcome = await this.commands.runExpectedReceipt({ type: 'CloseExpectedReceipt', asnId, closedAt: new Date().toISOString() }, request, reply);
    return outcome.state.exists ? expectedReceiptView(outcome.state) : undefined;
  }
}
