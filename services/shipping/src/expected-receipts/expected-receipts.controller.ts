import { randomUUID } from 'node:crypto';
import { Body, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter } from '@bintrail/service-kit';
import { ShippingCommands } from '../shipping-commands';
import { expectedReceiptStatus } from './expected-receipt.domain';

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
 * naming the ASN (`POST /warehouses/:wh/receipts` with `expectedReceiptId`) books them.
 */
@Controller('expected-receipts')
@UseFilters(DomainErrorFilter)
export class ExpectedReceiptsController {
  constructor(private readonly commands: ShippingCommands) {}

  @Post()
  async register(@Body() body: RegisterExpectedReceiptBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const asnId = randomUUID();
    const lines = body.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    const outcome = await this.commands.runExpectedReceipt({ type: 'RegisterExpectedReceipt', asnId, warehouse: body.warehouse, lines, eta: body.eta }, request, reply);
    return { asnId, warehouse: body.warehouse, eta: body.eta, lines, status: expectedReceiptStatus(outcome.state) };
  }
}
