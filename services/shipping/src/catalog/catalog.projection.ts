import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '@bintrail/contracts';
import type { Projection } from '@bintrail/projections';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { ItemNotFound, WarehouseNotFound } from '../shipping-errors.domain';

/** The other services' public events the shipping service learns its catalog from: SKUs it may move, warehouses it may move them between. */
const ITEM_REGISTERED = 'inventory.ItemRegistered';
const WAREHOUSE_CREATED = 'warehouse.WarehouseCreated';

/** The shipping service's own copy of the SKUs and warehouses there are: it never reads another service's tables. */
export const shippingCatalogProjection: Projection = {
  name: 'shipping-catalog',
  types: [ITEM_REGISTERED, WAREHOUSE_CREATED],
  migrations: [
    {
      version: 1,
      name: 'SKUs registered and warehouses created',
      sql: (s) => `
        CREATE TABLE ${s}.shipping_known_items (sku text PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE ${s}.shipping_known_warehouses (code text PRIMARY KEY, position bigint NOT NULL);`,
    },
  ],
  async apply(event: RecordedEvent, tx, s): Promise<void> {
    if (event.type === ITEM_REGISTERED) {
      const { sku } = event.data as { sku: string };
      await tx.query(`INSERT INTO ${s}.shipping_known_items (sku, position) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING`, [sku, event.globalPosition]);
    } else {
      const { code } = event.data as { code: string };
      await tx.query(`INSERT INTO ${s}.shipping_known_warehouses (code, position) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, event.globalPosition]);
    }
  },
};

/** How long a command waits for the catalog to reach the log's head before it calls a SKU or warehouse unknown. */
const CATCH_UP_MS = 3_000;

@Injectable()
export class ShippingCatalog {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /** Refuses a SKU the item master never registered, then the first warehouse never created (after waiting, bounded, for this read model to read the whole log). */
  async require(sku: string, warehouses: readonly string[]): Promise<void> {
    if ((await this.missing(sku, warehouses)) === undefined) return;
    await this.catchUp();
    const missing = await this.missing(sku, warehouses);
    if (missing) throw missing;
  }

  private async missing(sku: string, warehouses: readonly string[]): Promise<ItemNotFound | WarehouseNotFound | undefined> {
    const { db } = this.platform.store;
    const { s } = this.platform;
    if ((await db.query(`SELECT 1 FROM ${s}.shipping_known_items WHERE sku = $1`, [sku])).rows.length === 0) return new ItemNotFound(sku);
    const { rows } = await db.query<{ code: string }>(`SELECT code FROM ${s}.shipping_known_warehouses WHERE code = ANY($1::text[])`, [[...warehouses]]);
    const known = new Set(rows.map((r) => r.code));
    const unknown = warehouses.find((w) => !known.has(w));
    return unknown === undefined ? undefined : new WarehouseNotFound(unknown);
  }

  private async catchUp(): Promise<void> {
    const head = await this.platform.store.headPosition();
    const deadline = Date.now() + CATCH_UP_MS;
    while ((await this.checkpoint()) < head && Date.now() < deadline) await sleep(20);
  }

  private async checkpoint(): Promise<number> {
    const { rows } = await this.platform.store.db.query<{ position: string }>(`SELECT position FROM ${this.platform.s}.consumer_checkpoints WHERE group_id = $1`, [
      `projection:${shippingCatalogProjection.name}`,
    ]);
    return Number(rows[0]?.position ?? 0);
  }
}
