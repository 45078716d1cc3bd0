import type { EventMetadata, RecordedEvent } from '@bintrail/contracts';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { ShippingCommands } from '../shipping-commands';
import { SHIPPING_TRANSPORT } from '../transport';
import { WrongStatus } from '../shipping-errors.domain';
import type { TransferCommand } from '../transfers/transfer.domain';
import { asnReceiptCommand, openShipmentCommands, pickEntryOf, SHIPPING_EVENT_TYPES_IN, transferPickCommand, type ShippingEventIn, type StagedLine } from './shipping-messages.domain';

/**
 * The shipping service's side of the choreography (consumer group 'shipping', outside a transaction: its
 * commands append to the store). It keeps what each order has staged (`shipping_order_picks`, one row per
 * pick or staged loss, keyed by the event's own id, so a redelivery books nothing twice); when the order's
 * picks are complete it opens one shipment per warehouse (ids derived from the order: a redelivered
 * PicksCompleted opens nothing new). A warehouse receipt naming an ASN is booked against it, and a pick at
 * a transfer's source on the transfer.
 */
@Controller()
export class ShippingReactionsHandler {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly commands: ShippingCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @EventPattern([...SHIPPING_EVENT_TYPES_IN], SHIPPING_TRANSPORT)
  async onEvent(@Payload() recorded: RecordedEvent, @Ctx() _context: EventContext): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as ShippingEventIn;
    const metadata = { correlationId: recorded.metadata.correlationId, causationId: recorded.eventId, actor: 'shipping-choreography', source: 'shipping' };
    const entry = pickEntryOf(event);
    if (entry) {
      await this.tables();
      await this.platform.store.db.query(
        `INSERT INTO ${this.platform.s}.shipping_order_picks (order_id, entry_id, allocation_line_id, warehouse, sku, delta) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (order_id, entry_id) DO NOTHING`,
        [entry.orderId, entry.entryId, entry.allocationLineId, entry.warehouse, entry.sku, entry.delta],
      );
      return;
    }
    if (event.type === 'order.PicksCompleted') {
      for (const command of openShipmentCommands(event.data.orderId, await this.staged(event.data.orderId))) {
        await this.commands.runShipmentForEvent(command, metadata);
      }
      return;
    }
    const receipt = asnReceiptCommand(event);
    if (receipt) await this.commands.runExpectedReceiptForEvent(receipt, metadata);
    const pick = transferPickCommand(event, recorded.eventId);
    if (pick) await this.recordTransferPick(pick, metadata);
  }

  /**
   * A pick booked at the source after the transfer was dispatched cannot travel with it: the warehouse
   * dispatches only the units the transfer sent and gives the late ones back to its stock (in STAGING,
   * unallocated). Nothing to retry or park, then.
   */
  private async recordTransferPick(command: TransferCommand, metadata: Partial<EventMetadata>): Promise<void> {
    try {
      await this.commands.runTransferForEvent(command, metadata);
    } catch (error) {
      if (!(error instanceof WrongStatus)) throw error;
      this.platform.logger.warn('pick booked after the transfer was dispatched: it stays at the source', { transferId: command.transferId, error: error.message });
    }
  }

  private async staged(orderId: string): Promise<StagedLine[]> {
    await this.tables();
    const { rows } = await this.platform.store.db.query<{ allocation_line_id: string; warehouse: string; sku: string; quantity: string | number }>(
      `SELECT allocation_line_id, warehouse, sku, sum(delta) AS quantity FROM ${this.platform.s}.shipping_order_picks WHERE order_id = $1
       GROUP BY allocation_line_id, warehouse, sku`,
      [orderId],
    );
    return rows.map((r) => ({ allocationLineId: r.allocation_line_id, warehouse: r.warehouse, sku: r.sku, quantity: Number(r.quantity) }));
  }

  private tables(): Promise<void> {
    this.ready ??= this.platform.store.db
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.platform.s}.shipping_order_picks (
           order_id text NOT NULL, entry_id text NOT NULL, allocation_line_id text NOT NULL, warehouse text NOT NULL, sku text NOT NULL, delta bigint NOT NULL,
           PRIMARY KEY (order_id, entry_id))`,
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }
}
