import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '@bintrail/contracts';
import type { Projection } from '@bintrail/projections';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { ItemNotRegistered } from '../stock/warehouse.domain';

/** The item master's event this service learns SKUs from (the inventory service's public contract). */
const ITEM_REGISTERED = 'inventory.ItemRegistered';

/**
 * The SKUs the warehouse may book: its own copy, fed by `inventory.ItemRegistered`, so that it never
 * reads the inventory service's tables.
 */
export const knownItemsProjection: Projection = {
  name: 'warehouse-known-items',
  types: [ITEM_REGISTERED],
  migrations: [
    {
      version: 1,
      name: 'SKUs registered in the item master',
      sql: (s) => `CREATE TABLE ${s}.warehouse_known_items (sku text PRIMARY KEY, position bigint NOT NULL);`,
    },
  ],
  async apply(event: RecordedEvent, tx, s): Promise<void> {
    const { sku } = event.data as { sku: string };
    await tx.query(`INSERT INTO ${s}.warehouse_known_items (sku, position) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING`, [sku, event.globalPosition]);
  },
};

/** How long a command waits for this read model to reach the log's head before it calls a SKU unknown. */
const CATCH_UP_MS = 3_000;

/** SKUs seen registered, remembered: the item master never unregisters one, so a hit needs no read. */
const REMEMBERED_MAX = 100_000;

@Injectable()
export class KnownItems {
  private readonly remembered = new Set<string>();

  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /**
   * Refuses a SKU the item master never registered. An item registered a moment ago may not have
   * reached this read model yet: before refusing, wait (bounded) until it has read the whole log.
   */
  async require(sku: string): Promise<void> {
    if (await this.isKnown(sku)) return;
    const head = await this.platform.store.headPosition();
    const deadline = Date.now() + CATCH_UP_MS;
    while ((await this.checkpoint()) < head && Date.now() < deadline) await sleep(20);
    if (!(await this.isKnown(sku))) throw new ItemNotRegistered(sku);
  }

  private async isKnown(sku: string): Promise<boolean> {
    if (this.remembered.has(sku)) return true;
    const { rows } = await this.platform.store.db.query(`SELECT 1 FROM ${this.platform.s}.warehouse_known_items WHERE sku = $1`, [sku]);
    if (rows.length === 0) return false;
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.clear();
    this.remembered.add(sku);
    return true;
  }

  private async checkpoint(): Promise<number> {
    const { rows } = await this.platform.store.db.query<{ position: string }>(
      `SELECT position FROM ${this.platform.s}.consumer_checkpoints WHERE group_id = $1`,
      [`projection:${knownItemsProjection.name}`],
    );
    return Number(rows[0]?.position ?? 0);
  }
}
