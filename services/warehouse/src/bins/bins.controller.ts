import { BadRequestException, Controller, Get, Inject, Param, Query, ServiceUnavailableException, UseFilters } from '@nestjs/common';
import type { SqlExecutor } from '@bintrail/event-store';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { BinNotFound, compareCodes, WarehouseNotFound } from '../stock/warehouse.domain';
import { binStockProjection, findBin, type BinView } from './bin-stock.projection';

/** What the ledger cannot say about the past: these fields are left out of an as-of answer, never today's values. */
const NOT_AS_OF = ['waitingForCount', 'skus[].allocated', 'skus[].available'] as const;

export interface BinAsOf extends Omit<BinView, 'waitingForCount' | 'skus'> {
  readonly skus: readonly { readonly sku: string; readonly onHand: number }[];
  /** The log position the answer is at (a time resolves to the last ledger event at or before it), and the fields left out. */
  readonly asOf: { readonly position: number; readonly time?: string; readonly omitted: typeof NOT_AS_OF };
}

/**
 * What a bin holds, from the bin-level read model (`?minPosition=` waits for it to reach a command's position);
 * `?asOf=` (a global position or an ISO time) answers what it held then, from the inventory's stock ledger.
 */
@Controller('warehouses/:wh/bins')
@ReadsFrom(binStockProjection.name)
@UseFilters(DomainErrorFilter)
export class BinsController {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  @Get(':bin')
  async get(@Param('wh') warehouse: string, @Param('bin') bin: string, @Query('asOf') asOf?: string): Promise<BinView | BinAsOf> {
    const when = parseAsOf(asOf);
    const found = await findBin(this.platform.store.db, this.platform.s, warehouse, bin);
    if ('missing' in found) throw found.missing === 'warehouse' ? new WarehouseNotFound(warehouse) : new BinNotFound(bin);
    if (!when) return found;
    const { waitingForCount: _now, skus: _today, ...layout } = found;
    try {
      const { position, time } = await resolveAsOf(this.platform.store.db, this.platform.s, when);
      const skus = await binAsOf(this.platform.store.db, this.platform.s, warehouse, bin, position);
      return { ...layout, units: skus.reduce((n, x) => n + x.onHand, 0), skus, asOf: { position, ...(time === undefined ? {} : { time }), omitted: NOT_AS_OF } };
    } catch (error) {
      // The ledger is the inventory service's read model; in the distributed form it exists once that service has started.
      if ((error as { code?: string }).code === '42P01') throw new ServiceUnavailableException('the stock ledger (inventory service) is not available yet: retry');
      throw error;
    }
  }
}

/**
 * `?asOf=`: a global position, or an ISO 8601 time; 400 naming `asOf` otherwise. Mirrors the inventory's
 * parseAsOf (services/inventory/src/ledger/movements.domain.ts): module boundaries keep the code apart.
 */
function parseAsOf(raw: unknown): { position: number } | { time: Date } | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) return { position: Number(raw) };
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) {
    const time = new Date(raw);
    if (!Number.isNaN(time.getTime())) return { time };
  }
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: ['asOf must be a global log position (a non-negative integer) or an ISO 8601 time such as 2026-03-01T12:00:00Z'],
  });
}

/** A time → the position of the last ledger movement that occurred at or before it (0 before the first). */
async function resolveAsOf(db: SqlExecutor, s: string, asOf: { position: number } | { time: Date }): Promise<{ position: number; time?: string }> {
  if ('position' in asOf) return asOf;
  const { rows } = await db.query<{ position: string | null }>(
    `SELECT GREATEST(
       (SELECT global_position FROM ${s}.inventory_stock_ledger WHERE occurred_at <= $1 ORDER BY occurred_at DESC, global_position DESC LIMIT 1),
       (SELECT global_position FROM ${s}.inventory_figure_ledger WHERE occurred_at <= $1 ORDER BY occurred_at DESC, global_position DESC LIMIT 1)
     ) AS position`,
    [asOf.time.toISOString()],
  );
  return { position: Number(rows[0]?.position ?? 0), time: asOf.time.toISOString() };
}

/** Units of each SKU in the bin at `position`: the latest running balance of each (bin, SKU), one index lookup each (exported for bench/projections). */
export async function binAsOf(db: SqlExecutor, s: string, warehouse: string, bin: string, position: number): Promise<{ sku: string; onHand: number }[]> {
  const { rows } = await db.query<{ sku: string; balance: string }>(
    `SELECT k.sku, b.balance
     FROM ${s}.inventory_stock_ledger_keys k
     CROSS JOIN LATERAL (
       SELECT l.balance FROM ${s}.inventory_stock_ledger l
       WHERE l.warehouse = k.warehouse AND l.bin = k.bin AND l.sku = k.sku AND l.global_position <= $3
       ORDER BY l.global_position DESC LIMIT 1
     ) b
     WHERE k.warehouse = $1 AND k.bin = $2 AND b.balance <> 0`,
    [warehouse, bin, position],
  );
  return rows.map((r) => ({ sku: r.sku, onHand: Number(r.balance) })).sort((a, b) => compareCodes(a.sku, b.sku));
}
