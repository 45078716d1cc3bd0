import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from './projection';

/** The item master's and the warehouse layout's public events: what other services learn SKUs and warehouses from. */
const ITEM_REGISTERED = 'inventory.ItemRegistered';
const WAREHOUSE_CREATED = 'warehouse.WarehouseCreated';

/** How long a command waits for its copy to reach the log's head before it calls a SKU or warehouse unknown. */
const CATCH_UP_MS = 3_000;
/** Known SKUs remembered in memory: neither SKUs nor warehouses are ever removed, so a hit needs no read. */
const REMEMBERED_MAX = 100_000;

export interface CatalogCopyOptions {
  /** The projection's name (its consumer group and migrations). */
  readonly name: string;
  /** Table name prefix, e.g. `order` → `order_known_items`, `order_known_warehouses`. */
  readonly tablePrefix: string;
  /** Whether it also copies the warehouses there are (a service that picks or checks warehouses). */
  readonly warehouses: boolean;
}

/** Where a reader learns how far the copy has read the log: the running projections (in memory, not the stored checkpoint). */
export interface CopyProgress {
  readonly status: readonly { readonly projection: string; readonly checkpoint: number }[];
}

/**
 * A service's own copy of the SKUs registered in the item master (and, if asked, of the warehouses
 * created), so that it checks a command's references without reading another service's tables.
 */
export class CatalogCopy {
  readonly projection: Projection;
  private readonly items: string;
  private readonly warehouseTable: string;

  constructor(private readonly options: CatalogCopyOptions) {
    this.items = `${options.tablePrefix}_known_items`;
    this.warehouseTable = `${options.tablePrefix}_known_warehouses`;
    const { items, warehouseTable } = this;
    this.projection = {
      name: options.name,
      types: options.warehouses ? [ITEM_REGISTERED, WAREHOUSE_CREATED] : [ITEM_REGISTERED],
      migrations: [
        options.warehouses
          ? {
              version: 1,
              name: 'SKUs registered and warehouses created',
              sql: (s) => `
        CREATE TABLE ${s}.${items} (sku text PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE ${s}.${warehouseTable} (code text PRIMARY KEY, position bigint NOT NULL);`,
            }
          : {
              version: 1,
              name: 'SKUs registered in the item master',
              sql: (s) => `CREATE TABLE ${s}.${items} (sku text PRIMARY KEY, position bigint NOT NULL);`,
            },
      ],
      async apply(event: RecordedEvent, tx, s): Promise<void> {
        if (event.type === ITEM_REGISTERED) {
          const { sku } = event.data as { sku: string };
          await tx.query(`INSERT INTO ${s}.${items} (sku, position) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING`, [sku, event.globalPosition]);
        } else {
          const { code } = event.data as { code: string };
          await tx.query(`INSERT INTO ${s}.${warehouseTable} (code, position) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, event.globalPosition]);
        }
      },
    };
  }

  reader(db: SqlExecutor, s: string, progress: CopyProgress, head: () => Promise<number>): CatalogCopyReader {
    return new CatalogCopyReader(this.options, { items: `${s}.${this.items}`, warehouses: `${s}.${this.warehouseTable}` }, db, progress, head);
  }
}

/**
 * Answers "is this SKU / warehouse known?" for commands. Something registered a moment ago may not have
 * reached the copy yet, so before calling anything unknown it waits (bounded) until the copy has read
 * the log up to the head as it was when asked; the wait watches the running consumer's own position.
 */
export class CatalogCopyReader {
  private readonly knownSkus = new Set<string>();
  private readonly knownWarehouses = new Set<string>();

  constructor(
    private readonly options: CatalogCopyOptions,
    private readonly tables: { readonly items: string; readonly warehouses: string },
    private readonly db: SqlExecutor,
    private readonly progress: CopyProgress,
    private readonly head: () => Promise<number>,
  ) {}

  /** The first of `skus` the item master never registered, or undefined. */
  async unknownSku(skus: readonly string[]): Promise<string | undefined> {
    const missing = await this.missingSkus(skus);
    if (missing.length === 0) return undefined;
    await this.catchUp();
    return (await this.missingSkus(missing))[0];
  }

  /** The first of `codes` never created as a warehouse, or undefined. */
  async unknownWarehouse(codes: readonly string[]): Promise<string | undefined> {
    const missing = await this.missingWarehouses(codes);
    if (missing.length === 0) return undefined;
    await this.catchUp();
    return (await this.missingWarehouses(missing))[0];
  }

  /** Every warehouse there is, in code order (waits for the copy to catch up when it knows none yet). */
  async warehouses(): Promise<string[]> {
    const list = async () => (await this.db.query<{ code: string }>(`SELECT code FROM ${this.tables.warehouses} ORDER BY code COLLATE "C"`)).rows.map((r) => r.code);
    const found = await list();
    if (found.length > 0) return found;
    await this.catchUp();
    return list();
  }

  private async missingSkus(skus: readonly string[]): Promise<string[]> {
    const unseen = [...new Set(skus)].filter((sku) => !this.knownSkus.has(sku));
    if (unseen.length === 0) return [];
    const { rows } = await this.db.query<{ sku: string }>(`SELECT sku FROM ${this.tables.items} WHERE sku = ANY($1::text[])`, [unseen]);
    remember(this.knownSkus, rows.map((r) => r.sku));
    return unseen.filter((sku) => !this.knownSkus.has(sku));
  }

  private async missingWarehouses(codes: readonly string[]): Promise<string[]> {
    const unseen = [...new Set(codes)].filter((code) => !this.knownWarehouses.has(code));
    if (unseen.length === 0) return [];
    const { rows } = await this.db.query<{ code: string }>(`SELECT code FROM ${this.tables.warehouses} WHERE code = ANY($1::text[])`, [unseen]);
    remember(this.knownWarehouses, rows.map((r) => r.code));
    return unseen.filter((code) => !this.knownWarehouses.has(code));
  }

  private async catchUp(): Promise<void> {
    const head = await this.head();
    const deadline = Date.now() + CATCH_UP_MS;
    while (this.checkpoint() < head && Date.now() < deadline) await sleep(10);
  }

  private checkpoint(): number {
    return this.progress.status.find((p) => p.projection === this.options.name)?.checkpoint ?? 0;
  }
}

function remember(set: Set<string>, values: readonly string[]): void {
  if (set.size + values.length > REMEMBERED_MAX) set.clear();
  for (const value of values) set.add(value);
}
