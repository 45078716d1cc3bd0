import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { SKU_PATTERN } from '../items/items.controller';
import { itemsProjection } from '../items/items.projection';
import { ledgerProjection } from './ledger.projection';
import { movementsOfSku, stockAsOf, type LedgerMovement } from './ledger.queries';
import { AS_OF_ERROR, parseAsOf, type AsOf } from './movements.domain';

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
/** One event moves a SKU in at most two bins: a page of at least this many never splits nothing but one event. */
const MIN_PAGE = 10;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Reads an as-of value (`asOf`, `from`, `to`) or answers 400 naming the parameter. */
export function asOfParam(raw: unknown, name: string): AsOf | undefined {
  const asOf = parseAsOf(raw);
  if (asOf === null) throw badRequest([AS_OF_ERROR.replace(/^asOf/, name)]);
  return asOf;
}

const badRequest = (message: string[]) => new BadRequestException({ statusCode: 400, error: 'Bad Request', message });

/** The history an auditor reads: every movement of a SKU into and out of bins, with the bin's balance after it. */
@Controller('inventory')
@ReadsFrom(ledgerProjection.name, itemsProjection.name)
export class LedgerController {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /** `warehouse`, `bin` narrow it; `from`, `to` (inclusive) are positions or ISO times; `limit` rows at most, `nextFrom` continues. */
  @Get(':sku/ledger')
  async ledger(
    @Param('sku') sku: string,
    @Query('warehouse') warehouse?: string,
    @Query('bin') bin?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
  ): Promise<{ sku: string; movements: LedgerMovement[]; nextFrom: number | null }> {
    const errors: string[] = [];
    if (!SKU_PATTERN.test(sku)) errors.push('sku must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
    if (warehouse !== undefined && !(typeof warehouse === 'string' && CODE.test(warehouse))) errors.push('warehouse must be a warehouse code');
    if (bin !== undefined && !(typeof bin === 'string' && CODE.test(bin))) errors.push('bin must be a bin code');
    const size = limit === undefined ? DEFAULT_PAGE : typeof limit === 'string' && /^\d{1,5}$/.test(limit) ? Number(limit) : NaN;
    if (!(size >= MIN_PAGE && size <= MAX_PAGE)) errors.push(`limit must be an integer from ${MIN_PAGE} to ${MAX_PAGE}`);
    const bounds = { from: parseAsOf(from), to: parseAsOf(to) };
    for (const [name, value] of Object.entries(bounds)) if (value === null) errors.push(AS_OF_ERROR.replace(/^asOf/, name));
    if (errors.length > 0) throw badRequest(errors);

    const { db } = this.platform.store;
    const page = await movementsOfSku(db, this.platform.s, sku, {
      limit: size,
      ...(warehouse === undefined ? {} : { warehouse }),
      ...(bin === undefined ? {} : { bin }),
      ...(bounds.from ? { from: bounds.from } : {}),
      ...(bounds.to ? { to: bounds.to } : {}),
    });
    if (page.movements.length === 0 && !(await stockAsOf(db, this.platform.s, sku, 0))) {
      throw new NotFoundException(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    }
    return { sku, ...page };
  }
}
