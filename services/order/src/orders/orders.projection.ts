import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { warehouseOfStream } from '../allocation/warehouse-messages.domain';
import { evolveOrder, initialOrderState, ORDER_EVENT_TYPES, orderStatus, type Order, type OrderEvent, type OrderState, type OrderStatus } from './order.domain';
import { applyOrdersBatch } from './orders-batch';
import { pickBinChange, WAREHOUSE_LINE_EVENT_TYPES, type WarehouseLineEvent } from './pick-bins.domain';

/**
 * Orders as the order service shows them: each order's state folded from its stream (`orders`), and
 * its pick list per allocation attempt — which bins, how many from each — from the warehouse events
 * naming the attempt's line id (`order_pick_bins`). Fed by events only: no question to another service.
 */
export const ordersProjection: Projection = {
  name: 'orders',
  types: [...ORDER_EVENT_TYPES, ...WAREHOUSE_LINE_EVENT_TYPES],
  migrations: [
    {
      version: 1,
      name: 'orders and the bins their lines are picked from',
      sql: (s) => `
        CREATE TABLE ${s}.orders (
          order_id text PRIMARY KEY,
          status text NOT NULL,
          placed_at text NOT NULL,
          state jsonb NOT NULL,
          position bigint NOT NULL
        );
        CREATE TABLE ${s}.order_pick_bins (
          order_id text NOT NULL,
          line_id text NOT NULL,
          allocation_line_id text NOT NULL,
          warehouse text NOT NULL,
          bin text NOT NULL,
          quantity bigint NOT NULL,
          PRIMARY KEY (order_id, allocation_line_id, warehouse, bin)
        );`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    if (recorded.type.startsWith('order.')) return applyOrderEvent(recorded, tx, s);
    const change = pickBinChange(recorded as unknown as WarehouseLineEvent);
    const warehouse = warehouseOfStream(recorded.streamId);
    if (!change || warehouse === undefined) return;
    const { rows } = await tx.query(`SELECT 1 FROM ${s}.orders WHERE order_id = $1`, [change.orderId]);
    if (rows.length === 0) return; // an allocation line this service did not ask for
    for (const { bin, quantity } of change.bins) {
      const key = [change.orderId, change.allocationLineId, warehouse, bin];
      const { rows: after } = await tx.query<{ quantity: string | number }>(
        `INSERT INTO ${s}.order_pick_bins AS b (order_id, allocation_line_id, warehouse, bin, line_id, quantity) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (order_id, allocation_line_id, warehouse, bin) DO UPDATE SET quantity = b.quantity + EXCLUDED.quantity RETURNING b.quantity`,
        [...key, change.lineId, quantity],
      );
      const left = Number(after[0]!.quantity);
      if (left < 0) throw new Error(`order ${change.orderId} ${change.allocationLineId} would have ${left} units to pick in bin ${bin} of ${warehouse}`);
      if (left === 0) await tx.query(`DELETE FROM ${s}.order_pick_bins WHERE order_id = $1 AND allocation_line_id = $2 AND warehouse = $3 AND bin = $4`, key);
    }
  },
  // A live batch in two statements rather than a few per event (orders-batch.ts).
  applyBatch: applyOrdersBatch,
};

async function applyOrderEvent(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
  const event = recorded as unknown as OrderEvent;
  const orderId = (event.data as { orderId: string }).orderId;
  const { rows } = await tx.query<{ state: unknown }>(`SELECT state FROM ${s}.orders WHERE order_id = $1`, [orderId]);
  const before: OrderState = rows[0] ? (parseJson(rows[0].state) as OrderState) : initialOrderState;
  const after = evolveOrder(before, { type: event.type, data: event.data } as OrderEvent);
  if (!after.exists) return;
  await tx.query(
    `INSERT INTO ${s}.orders (order_id, status, placed_at, state, position) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, position = EXCLUDED.position`,
    [orderId, orderStatus(after), after.placedAt, JSON.stringify(after), recorded.globalPosition],
  );
}

const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export interface OrderAllocationView {
  readonly warehouse: string;
  /** Units the warehouse holds for the line (to pick, and picked not yet dispatched). */
  readonly quantity: number;
  readonly picked: number;
  /** The pick list: bins and units still to pick there, by bin code. */
  readonly pickList: readonly { readonly bin: string; readonly quantity: number }[];
}

export interface OrderLineView {
  readonly lineId: string;
  readonly sku: string;
  readonly ordered: number;
  readonly allocated: number;
  /** Asked of a warehouse, no answer yet. */
  readonly awaiting: number;
  readonly backOrdered: number;
  readonly picked: number;
  readonly shipped: number;
  readonly cancelled: number;
  readonly allocations: readonly OrderAllocationView[];
}

export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly placedAt: string;
  readonly customerRef?: string;
  readonly warehouses: readonly string[];
  readonly lines: readonly OrderLineView[];
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function findOrder(db: SqlExecutor, s: string, orderId: string): Promise<OrderView | undefined> {
  const { rows } = await db.query<{ state: unknown }>(`SELECT state FROM ${s}.orders WHERE order_id = $1`, [orderId]);
  if (!rows[0]) return undefined;
  const order = parseJson(rows[0].state) as Order;
  const { rows: bins } = await db.query<{ line_id: string; warehouse: string; bin: string; quantity: string }>(
    `SELECT line_id, warehouse, bin, quantity FROM ${s}.order_pick_bins WHERE order_id = $1`,
    [orderId],
  );
  return {
    orderId: order.orderId,
    status: orderStatus(order)!,
    placedAt: order.placedAt,
    ...(order.customerRef === undefined ? {} : { customerRef: order.customerRef }),
    warehouses: order.warehouses,
    lines: order.lines.map((l) => {
      const warehouses = [...new Set([...l.attempts.map((a) => a.warehouse), ...bins.filter((b) => b.line_id === l.lineId).map((b) => b.warehouse)])].sort(byCode);
      const allocations = warehouses
        .map((warehouse) => {
          const attempts = l.attempts.filter((a) => a.warehouse === warehouse);
          const perBin = new Map<string, number>();
          for (const b of bins.filter((x) => x.line_id === l.lineId && x.warehouse === warehouse)) perBin.set(b.bin, (perBin.get(b.bin) ?? 0) + Number(b.quantity));
          return {
            warehouse,
            quantity: attempts.reduce((n, a) => n + a.held, 0),
            picked: attempts.reduce((n, a) => n + a.picked, 0),
            pickList: [...perBin.entries()].map(([bin, quantity]) => ({ bin, quantity })).sort((a, b) => byCode(a.bin, b.bin)),
          };
        })
        .filter((a) => a.quantity > 0 || a.pickList.length > 0);
      const { lineId, sku, ordered, allocated, awaiting, backOrdered, picked, shipped, cancelled } = l;
      return { lineId, sku, ordered, allocated, awaiting, backOrdered, picked, shipped, cancelled, allocations };
    }),
  };
}
