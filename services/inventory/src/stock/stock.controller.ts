import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { SKU_PATTERN } from '../items/items.controller';
import { itemsProjection } from '../items/items.projection';
import { asOfParam } from '../ledger/ledger.controller';
import { ledgerProjection } from '../ledger/ledger.projection';
import { resolveAsOf, stockAsOf, type ResolvedAsOf } from '../ledger/ledger.queries';
import { binsOfSku, stockOfSku, stockPage, stockProjection, type BinStock, type SkuStock } from './stock.projection';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** The big picture: how much of each SKU the company has, overall and per warehouse, and which bins hold it. */
@Controller('inventory')
// Totals and bins from the stock read model; which SKUs exist from the item master's.
@ReadsFrom(stockProjection.name, itemsProjection.name)
export class StockController {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /** Every SKU in code-point order, `limit` (default 50, at most 500) at a time; pass `nextAfter` as `after` for the next page. */
  @Get()
  async list(@Query('limit') limit?: string, @Query('after') after?: string): Promise<{ items: SkuStock[]; nextAfter: string | null }> {
    // Query values are strings (or arrays when repeated): checked here, one message per field like the ValidationPipe's.
    const size = limit === undefined ? DEFAULT_PAGE : typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    const errors: string[] = [];
    if (!(size >= 1 && size <= MAX_PAGE)) errors.push(`limit must be an integer from 1 to ${MAX_PAGE}`);
    if (after !== undefined && (typeof after !== 'string' || after.length === 0 || after.length > 64)) errors.push('after must be the nextAfter of the previous page (a SKU)');
    if (errors.length > 0) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: errors });
    return stockPage(this.platform.store.db, this.platform.s, { limit: size, ...(after === undefined ? {} : { after }) });
  }

  /**
   * `?asOf=` (a global position or an ISO time): the same figures as they were then, from the stock ledger,
   * with `asOf` naming the position used (a time resolves to the last ledger event at or before it).
   */
  @Get(':sku')
  @ReadsFrom(stockProjection.name, itemsProjection.name, ledgerProjection.name)
  async get(@Param('sku') sku: string, @Query('asOf') asOf?: string): Promise<SkuStock | (SkuStock & { asOf: ResolvedAsOf })> {
    checkSku(sku);
    const when = asOfParam(asOf, 'asOf');
    if (when) {
      const resolved = await resolveAsOf(this.platform.store.db, this.platform.s, when);
      const then = await stockAsOf(this.platform.store.db, this.platform.s, sku, resolved.position);
      if (!then) throw new NotFoundException(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
      return { ...then, asOf: resolved };
    }
    const stock = await stockOfSku(this.platform.store.db, this.platform.s, sku);
    if (!stock) throw new NotFoundException(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    return stock;
  }

  @Get(':sku/bins')
  async bins(@Param('sku') sku: string): Promise<{ sku: string; bins: BinStock[] }> {
    checkSku(sku);
    const bins = await binsOfSku(this.platform.store.db, this.platform.s, sku);
    if (bins.length === 0 && !(await stockOfSku(this.platform.store.db, this.platform.s, sku))) {
      throw new NotFoundException(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    }
    return { sku, bins };
  }
}

function checkSku(sku: string): void {
  if (!SKU_PATTERN.test(sku)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: ['sku must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit'] });
  }
}
