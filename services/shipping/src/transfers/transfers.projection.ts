import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { TRANSFER_EVENT_TYPES, type TransferEvent } from './transfer.domain';
import { evolveTransferRow, transferIdOf, WAREHOUSE_LINE_EVENT_TYPES, type TransferRow, type TransferView, type WarehouseLineEvent } from './transfer-view.domain';

/**
 * Transfers as GET /transfers/:id shows them (`shipping_transfers`): each one's view folded from its
 * stream and from the source warehouse's events on its line (see transfer-view.domain.ts).
 */
export const transfersProjection: Projection = {
  name: 'shipping-transfers',
  types: [...TRANSFER_EVENT_TYPES, ...WAREHOUSE_LINE_EVENT_TYPES],
  migrations: [
    {
      version: 1,
      name: 'transfers, their allocation at the source and their status',
      sql: (s) => `
        CREATE TABLE ${s}.shipping_transfers (
          transfer_id text PRIMARY KEY,
          status text NOT NULL,
          state jsonb NOT NULL,
          position bigint NOT NULL
        );`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as TransferEvent | WarehouseLineEvent;
    const transferId = transferIdOf(event);
    if (transferId === undefined) return; // an order's line
    const before = await readRow(tx, s, transferId);
    const after = evolveTransferRow(before, event);
    if (!after || after === before) return;
    await tx.query(
      `INSERT INTO ${s}.shipping_transfers (transfer_id, status, state, position) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (transfer_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, position = EXCLUDED.position`,
      [transferId, after.view.status, JSON.stringify(after), recorded.globalPosition],
    );
  },
};

async function readRow(db: SqlExecutor, s: string, transferId: string): Promise<TransferRow | null> {
  const { rows } = await db.query<{ state: unknown }>(`SELECT state FROM ${s}.shipping_transfers WHERE transfer_id = $1`, [transferId]);
  if (!rows[0]) return null;
  return (typeof rows[0].state === 'string' ? JSON.parse(rows[0].state) : rows[0].state) as TransferRow;
}

export async function findTransfer(db: SqlExecutor, s: string, transferId: string): Promise<TransferRow | undefined> {
  return (await readRow(db, s, transferId)) ?? undefined;
}

export type { TransferView };
