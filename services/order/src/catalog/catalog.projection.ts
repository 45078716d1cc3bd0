import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '@bintrail/contracts';
import type { Projection } from '@bintrail/projections';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';

/** The other services' public events the order service learns its catalog from: SKUs it may sell, warehouses it may allocate from. */
const ITEM_REGISTERED = 'inventory.ItemRegistered';
const WAREHOUSE_CREATED = 'warehouse.WarehouseCreated';

/** The order service's own copy of the SKUs (item master) and warehouses there are: it never reads another service's tables. */
export const catalogProjection: Projection = {
  name: 'order-catalog',
  types: [ITEM_REGISTERED, WAREHOUSE_CREATED],
  migrations: [
    {
      version: 1,
      name: 'SKUs registered and warehouses created',
      sql: (s) => `
        CREATE TABLE ${s}.order_known_items (sku text PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE ${s}.order_known_warehouses (code text PRIMARY KEY, position bigint NOT NULL);`,
    },
  ],
  async apply(event: RecordedEvent, tx, s): Promise<void> {
    if (event.type === ITEM_REGISTERED) {
      const { sku } = event.data as { sku: string };
      await tx.query(`INSERT INTO ${s}.order_known_items (sku, position) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING`, [sku, event.globalPosition]);
    } else {
      const { code } = event.data as { code: string };
      await tx.query(`INSERT INTO ${s}.order_known_warehouses (code, position) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, event.globalPosition]);
    }
  },
};

/** A SKU the item master never registered (404, like the warehouse's). */
export class ItemNotFound extends Error {
  readonly code = 'ItemNotFound';
  constructor(readonly sku: string) {
    super(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    this.name = 'ItemNotFound';
  }
}

/** How long a command waits for the catalog to reach the log's head before it calls a SKU unknown (or finds no warehouse). */
const CATCH_UP_MS = 3_000;

@Injectable()
export class Catalog {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /** Refuses the first SKU the item master never registered (after waiting, bounded, for this read model to read the whole log). */
  async requireItems(skus: readonly string[]): Promise<void> {
    const unknown = async () => {
      const { rows } = await this.platform.store.db.query<{ sku: string }>(`SELECT sku FROM ${this.platform.s}.order_known_items WHERE sku = ANY($1::text[])`, [[...new Set(skus)]]);
      const known = new Set(rows.map((r) => r.sku));
      return skus.find((sku) => !known.has(sku));
    };
    if ((await unknown()) === undefined) return;
    await this.catchUp();
    const missing = await unknown();
    if (missing !== undefined) throw new ItemNotFound(missing);
  }

  /** The warehouses to allocate from, in code order (the preference list of a new order). */
  async warehouses(): Promise<string[]> {
    const list = async () =>
      (await this.platform.store.db.query<{ code: string }>(`SELECT code FROM ${this.platform.s}.order_known_warehouses ORDER BY code COLLATE "C"`)).rows.map((r) => r.code);
    const found = await list();
    if (found.length > 0) return found;
    await this.catchUp();
    return list();
  }

  private async catchUp(): Promise<void> {
    const head = await this.platform.store.headPosition();
    const deadline = Date.now() + CATCH_UP_MS;
    while ((await this.checkpoint()) < head && Date.now() < deadline) await sleep(20);
  }

  private async checkpoint(): Promise<number> {
    const { rows } = await this.platform.store.db.query<{ position: string }>(`SELECT position FROM ${this.platform.s}.consumer_checkpoints WHERE group_id = $1`, [
      `projection:${catalogProjection.name}`,
    ]);
    return Number(rows[0]?.position ?? 0);
  }
}
