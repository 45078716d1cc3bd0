import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { evolveShipment, initialShipmentState, SHIPMENT_EVENT_TYPES, type Shipment, type ShipmentEvent, type ShipmentState } from './shipment.domain';

/** Shipments as the shipping service shows them: each one's state folded from its stream (`shipping_shipments`). */
export const shipmentsProjection: Projection = {
  name: 'shipping-shipments',
  types: [...SHIPMENT_EVENT_TYPES],
  migrations: [
    {
      version: 1,
      name: 'shipments and their status',
      sql: (s) => `
        CREATE TABLE ${s}.shipping_shipments (
          shipment_id text PRIMARY KEY,
          order_id text NOT NULL,
          warehouse text NOT NULL,
          status text NOT NULL,
          state jsonb NOT NULL,
          position bigint NOT NULL
        );
        CREATE INDEX shipping_shipments_order ON ${s}.shipping_shipments (order_id);`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as ShipmentEvent;
    const { rows } = await tx.query<{ state: unknown }>(`SELECT state FROM ${s}.shipping_shipments WHERE shipment_id = $1`, [event.data.shipmentId]);
    const before: ShipmentState = rows[0] ? (parseJson(rows[0].state) as ShipmentState) : initialShipmentState;
    const after = evolveShipment(before, event);
    if (!after.exists) return;
    await tx.query(
      `INSERT INTO ${s}.shipping_shipments (shipment_id, order_id, warehouse, status, state, position) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (shipment_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, position = EXCLUDED.position`,
      [after.shipmentId, after.orderId, after.warehouse, after.status, JSON.stringify(after), recorded.globalPosition],
    );
  },
};

const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export type ShipmentView = Omit<Shipment, 'exists'>;

const view = ({ exists: _exists, ...shipment }: Shipment): ShipmentView => shipment;

export async function findShipment(db: SqlExecutor, s: string, shipmentId: string): Promise<ShipmentView | undefined> {
  const { rows } = await db.query<{ state: unknown }>(`SELECT state FROM ${s}.shipping_shipments WHERE shipment_id = $1`, [shipmentId]);
  return rows[0] ? view(parseJson(rows[0].state) as Shipment) : undefined;
}

export async function shipmentsOfOrder(db: SqlExecutor, s: string, orderId: string): Promise<ShipmentView[]> {
  const { rows } = await db.query<{ state: unknown }>(`SELECT state FROM ${s}.shipping_shipments WHERE order_id = $1 ORDER BY shipment_id COLLATE "C"`, [orderId]);
  return rows.map((r) => view(parseJson(r.state) as Shipment));
}
