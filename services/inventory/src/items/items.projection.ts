import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { ITEM_EVENT_TYPES, type ItemEvent } from './item.domain';

export interface ItemView {
  readonly sku: string;
  readonly description: string;
  readonly unit: string;
  /** How many changes of the item master this view has applied (1 = as registered). */
  readonly revision: number;
  /** Global position of the last change applied. */
  readonly position: number;
  readonly updatedAt: string;
}

export interface ItemChange {
  readonly type: string;
  readonly description: string;
  readonly unit: string;
  readonly position: number;
  readonly occurredAt: string;
  readonly actor: string;
  readonly correlationId: string;
}

/** The item master as read by the API: one row per SKU, plus every change with who made it. */
export const itemsProjection: Projection = {
  name: 'inventory-items',
  types: ITEM_EVENT_TYPES,
  migrations: [
    {
      version: 1,
      name: 'items and their change history',
      sql: (s) => `
        CREATE TABLE ${s}.inventory_items (
          sku text PRIMARY KEY,
          description text NOT NULL,
          unit text NOT NULL,
          revision integer NOT NULL,
          position bigint NOT NULL,
          updated_at timestamptz NOT NULL
        );
        CREATE TABLE ${s}.inventory_item_changes (
          event_id uuid PRIMARY KEY,
          sku text NOT NULL,
          type text NOT NULL,
          description text NOT NULL,
          unit text NOT NULL,
          position bigint NOT NULL,
          occurred_at timestamptz NOT NULL,
          actor text NOT NULL,
          correlation_id text NOT NULL
        );
        CREATE INDEX inventory_item_changes_sku_idx ON ${s}.inventory_item_changes (sku, position);`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = recorded as unknown as ItemEvent & RecordedEvent;
    const { sku, description, unit } = event.data;
    await tx.query(
      `INSERT INTO ${s}.inventory_items (sku, description, unit, revision, position, updated_at) VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (sku) DO UPDATE SET description = EXCLUDED.description, unit = EXCLUDED.unit,
         revision = ${s}.inventory_items.revision + 1, position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
      [sku, description, unit, recorded.globalPosition, recorded.occurredAt],
    );
    await tx.query(
      `INSERT INTO ${s}.inventory_item_changes (event_id, sku, type, description, unit, position, occurred_at, actor, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [recorded.eventId, sku, recorded.type, description, unit, recorded.globalPosition, recorded.occurredAt, recorded.metadata.actor, recorded.metadata.correlationId],
    );
  },
};

interface ItemRow {
  sku: string;
  description: string;
  unit: string;
  revision: number;
  position: string;
  updated_at: Date | string;
}

export async function findItem(db: SqlExecutor, s: string, sku: string): Promise<ItemView | undefined> {
  const { rows } = await db.query<ItemRow>(`SELECT sku, description, unit, revision, position, updated_at FROM ${s}.inventory_items WHERE sku = $1`, [sku]);
  const row = rows[0];
  return row && {
    sku: row.sku,
    description: row.description,
    unit: row.unit,
    revision: Number(row.revision),
    position: Number(row.position),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export async function itemHistory(db: SqlExecutor, s: string, sku: string): Promise<ItemChange[]> {
  const { rows } = await db.query<{ type: string; description: string; unit: string; position: string; occurred_at: Date | string; actor: string; correlation_id: string }>(
    `SELECT type, description, unit, position, occurred_at, actor, correlation_id FROM ${s}.inventory_item_changes WHERE sku = $1 ORDER BY position`,
    [sku],
  );
  return rows.map((r) => ({
    type: r.type,
    description: r.description,
    unit: r.unit,
    position: Number(r.position),
    occurredAt: new Date(r.occurred_at).toISOString(),
    actor: r.actor,
    correlationId: r.correlation_id,
  }));
}
