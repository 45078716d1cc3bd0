import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import {
  EXPECTED_RECEIPT_EVENT_TYPES,
  evolveExpectedReceipt,
  initialExpectedReceiptState,
  type ExpectedReceipt,
  type ExpectedReceiptEvent,
  type ExpectedReceiptState,
} from './expected-receipt.domain';

/** Expected receipts (ASNs) as the shipping service shows them: each one's state folded from its stream (`shipping_expected_receipts`). */
export const expectedReceiptsProjection: Projection = {
  name: 'shipping-expected-receipts',
  types: [...EXPECTED_RECEIPT_EVENT_TYPES],
  migrations: [
    {
      version: 1,
      name: 'expected receipts and their lines',
      sql: (s) => `
        CREATE TABLE ${s}.shipping_expected_receipts (
          asn_id text PRIMARY KEY,
          warehouse text NOT NULL,
          state jsonb NOT NULL,
          position bigint NOT NULL
        );`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as ExpectedReceiptEvent;
    const before = (await findExpectedReceipt(tx, s, event.data.asnId)) ?? initialExpectedReceiptState;
    const after = evolveExpectedReceipt(before, event);
    if (!after.exists) return;
    await tx.query(
      `INSERT INTO ${s}.shipping_expected_receipts (asn_id, warehouse, state, position) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (asn_id) DO UPDATE SET state = EXCLUDED.state, position = EXCLUDED.position`,
      [after.asnId, after.warehouse, JSON.stringify(after), recorded.globalPosition],
    );
  },
};

export async function findExpectedReceipt(db: SqlExecutor, s: string, asnId: string): Promise<ExpectedReceipt | undefined> {
  const { rows } = await db.query<{ state: unknown }>(`SELECT state FROM ${s}.shipping_expected_receipts WHERE asn_id = $1`, [asnId]);
  if (!rows[0]) return undefined;
  const state = (typeof rows[0].state === 'string' ? JSON.parse(rows[0].state) : rows[0].state) as ExpectedReceiptState;
  return state.exists ? state : undefined;
}
