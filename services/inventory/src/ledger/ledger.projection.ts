import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { applyLedgerBatch } from './ledger-batch';
import { figureChangesOf, LEDGER_EVENT_TYPES, movementsOf, type LedgerInput } from './movements.domain';

/**
 * The stock ledger: every movement of a SKU into or out of a bin (`inventory_stock_ledger`), and every change
 * of reserved / in-transit / back-ordered units (`inventory_figure_ledger`), each row with the running balance
 * of its key after it. What stock was at any past position is then the latest balance of each key at or
 * before it: an index lookup per key, never a replay. `*_keys` list the keys, so that a query knows which
 * bins and figures to look up without scanning the history.
 *
 * Idempotent: a row's balance is computed from the rows of its key *before* its position and inserted
 * with ON CONFLICT DO NOTHING, so an event applied twice books the same row once.
 */
export const ledgerProjection: Projection = {
  name: 'inventory-stock-ledger',
  types: LEDGER_EVENT_TYPES,
  migrations: [
    {
      version: 1,
      name: 'bin movements and figure changes with running balances',
      sql: (s) => `
        CREATE TABLE ${s}.inventory_stock_ledger (
          global_position bigint NOT NULL,
          event_id text NOT NULL,
          event_type text NOT NULL,
          occurred_at timestamptz NOT NULL,
          warehouse text NOT NULL,
          bin text NOT NULL,
          sku text NOT NULL,
          kind text NOT NULL,
          delta bigint NOT NULL,
          balance bigint NOT NULL,
          correlation_id text,
          actor text,
          PRIMARY KEY (global_position, warehouse, bin, sku)
        );
        CREATE INDEX inventory_stock_ledger_key_idx ON ${s}.inventory_stock_ledger (warehouse, bin, sku, global_position DESC);
        CREATE INDEX inventory_stock_ledger_sku_idx ON ${s}.inventory_stock_ledger (sku, global_position);
        CREATE INDEX inventory_stock_ledger_time_idx ON ${s}.inventory_stock_ledger (occurred_at, global_position);
        CREATE TABLE ${s}.inventory_stock_ledger_keys (
          sku text NOT NULL,
          warehouse text NOT NULL,
          bin text NOT NULL,
          PRIMARY KEY (sku, warehouse, bin)
        );
        CREATE INDEX inventory_stock_ledger_keys_bin_idx ON ${s}.inventory_stock_ledger_keys (warehouse, bin);
        CREATE TABLE ${s}.inventory_figure_ledger (
          global_position bigint NOT NULL,
          event_id text NOT NULL,
          event_type text NOT NULL,
          occurred_at timestamptz NOT NULL,
          warehouse text NOT NULL,
          sku text NOT NULL,
          figure text NOT NULL,
          delta bigint NOT NULL,
          balance bigint NOT NULL,
          correlation_id text,
          actor text,
          PRIMARY KEY (global_position, warehouse, sku, figure)
        );
        CREATE INDEX inventory_figure_ledger_key_idx ON ${s}.inventory_figure_ledger (sku, warehouse, figure, global_position DESC);
        CREATE INDEX inventory_figure_ledger_time_idx ON ${s}.inventory_figure_ledger (occurred_at, global_position);
        CREATE TABLE ${s}.inventory_figure_ledger_keys (
          sku text NOT NULL,
          warehouse text NOT NULL,
          figure text NOT NULL,
          PRIMARY KEY (sku, warehouse, figure)
        );`,
    },
  ],
  /** A rebuild's batches: the same rows in six statements per batch (ledger-batch.ts). */
  applyBatch: applyLedgerBatch,
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = recorded as unknown as LedgerInput;
    const common = [
      recorded.globalPosition,
      recorded.eventId,
      recorded.type,
      new Date(recorded.occurredAt).toISOString(),
      recorded.metadata?.correlationId ?? null,
      recorded.metadata?.actor ?? null,
    ];
    for (const m of movementsOf(event)) {
      const { rows } = await tx.query<{ balance: string | number }>(
        `INSERT INTO ${s}.inventory_stock_ledger
           (global_position, event_id, event_type, occurred_at, correlation_id, actor, warehouse, bin, sku, kind, delta, balance)
         SELECT $1::bigint, $2::text, $3::text, $4::timestamptz, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::bigint,
                COALESCE((SELECT l.balance FROM ${s}.inventory_stock_ledger l
                          WHERE l.warehouse = $7 AND l.bin = $8 AND l.sku = $9 AND l.global_position < $1::bigint
                          ORDER BY l.global_position DESC LIMIT 1), 0) + $11::bigint
         ON CONFLICT DO NOTHING RETURNING balance`,
        [...common, m.warehouse, m.bin, m.sku, m.kind, m.delta],
      );
      // The stream never lets a bin go below zero: a ledger that would is broken, and says so (retried, then parked).
      if (rows[0] && Number(rows[0].balance) < 0) throw new Error(`bin ${m.bin} of ${m.warehouse} would hold ${rows[0].balance} units of ${m.sku} at position ${recorded.globalPosition}`);
      await tx.query(`INSERT INTO ${s}.inventory_stock_ledger_keys (sku, warehouse, bin) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [m.sku, m.warehouse, m.bin]);
    }
    for (const f of figureChangesOf(event)) {
      const { rows } = await tx.query<{ balance: string | number }>(
        `INSERT INTO ${s}.inventory_figure_ledger
           (global_position, event_id, event_type, occurred_at, correlation_id, actor, warehouse, sku, figure, delta, balance)
         SELECT $1::bigint, $2::text, $3::text, $4::timestamptz, $5::text, $6::text, $7::text, $8::text, $9::text, $10::bigint,
                COALESCE((SELECT l.balance FROM ${s}.inventory_figure_ledger l
                          WHERE l.sku = $8 AND l.warehouse = $7 AND l.figure = $9 AND l.global_position < $1::bigint
                          ORDER BY l.global_position DESC LIMIT 1), 0) + $10::bigint
         ON CONFLICT DO NOTHING RETURNING balance`,
        [...common, f.warehouse, f.sku, f.figure, f.delta],
      );
      if (rows[0] && Number(rows[0].balance) < 0) throw new Error(`${f.figure} of ${f.sku} in '${f.warehouse}' would be ${rows[0].balance} at position ${recorded.globalPosition}`);
      await tx.query(`INSERT INTO ${s}.inventory_figure_ledger_keys (sku, warehouse, figure) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [f.sku, f.warehouse, f.figure]);
    }
  },
};
