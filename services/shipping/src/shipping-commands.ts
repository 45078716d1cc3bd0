import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventMetadata } from '@bintrail/contracts';
import { correlationIdOf, PLATFORM_CONTEXT, POSITION_HEADER, StreamCommandHandler, type CommandOutcome, type PlatformContext } from '@bintrail/service-kit';
import {
  expectedReceiptDecider,
  expectedReceiptStreamId,
  type ExpectedReceiptCommand,
  type ExpectedReceiptEvent,
  type ExpectedReceiptState,
} from './expected-receipts/expected-receipt.domain';
import { shipmentDecider, shipmentStreamId, type ShipmentCommand, type ShipmentEvent, type ShipmentState } from './shipments/shipment.domain';
import { transferDecider, transferStreamId, type TransferCommand, type TransferEvent, type TransferState } from './transfers/transfer.domain';

export type ShipmentOutcome = CommandOutcome<ShipmentEvent, ShipmentState>;
export type ExpectedReceiptOutcome = CommandOutcome<ExpectedReceiptEvent, ExpectedReceiptState>;
export type TransferOutcome = CommandOutcome<TransferEvent, TransferState>;

/** Runs shipping commands (HTTP and the shipping reactions alike): one stream per shipment, per ASN, per transfer. */
@Injectable()
export class ShippingCommands {
  private readonly shipments: StreamCommandHandler<ShipmentCommand, ShipmentEvent, ShipmentState>;
  private readonly asns: StreamCommandHandler<ExpectedReceiptCommand, ExpectedReceiptEvent, ExpectedReceiptState>;
  private readonly transfers: StreamCommandHandler<TransferCommand, TransferEvent, TransferState>;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext) {
    this.shipments = new StreamCommandHandler(platform.store, shipmentDecider);
    this.asns = new StreamCommandHandler(platform.store, expectedReceiptDecider);
    this.transfers = new StreamCommandHandler(platform.store, transferDecider);
  }

  async runShipment(command: ShipmentCommand, request: FastifyRequest, reply: FastifyReply): Promise<ShipmentOutcome> {
    const outcome = await this.shipments.handle(shipmentStreamId(command.shipmentId), command, { correlationId: correlationIdOf(request.headers), actor: 'api', source: 'shipping' });
    reply.header(POSITION_HEADER, String(outcome.position));
    return outcome;
  }

  runShipmentForEvent(command: ShipmentCommand, metadata: Partial<EventMetadata>): Promise<ShipmentOutcome> {
    return this.shipments.handle(shipmentStreamId(command.shipmentId), command, metadata);
  }

  async runExpectedReceipt(command: ExpectedReceiptCommand, request: FastifyRequest, reply: FastifyReply): Promise<ExpectedReceiptOutcome> {
    const outcome = await this.asns.handle(expectedReceiptStreamId(command.asnId), command, { correlationId: correlationIdOf(request.headers), actor: 'api', source: 'shipping' });
    reply.header(POSITION_HEADER, String(outcome.position));
    return outcome;
  }

  runExpectedReceiptForEvent(command: ExpectedReceiptCommand, metadata: Partial<EventMetadata>): Promise<ExpectedReceiptOutcome> {
    return this.asns.handle(expectedReceiptStreamId(command.asnId), command, metadata);
  }

  async runTransfer(command: TransferCommand, request: FastifyRequest, reply: FastifyReply): Promise<TransferOutcome> {
    const outcome = await this.transfers.handle(transferStreamId(command.transferId), command, { correlationId: correlationIdOf(request.headers), actor: 'api', source: 'shipping' });
    reply.header(POSITION_HEADER, String(outcome.position));
    return outcome;
  }

  runTransferForEvent(command: TransferCommand, metadata: Partial<EventMetadata>): Promise<TransferOutcome> {
    return this.transfers.handle(transferStreamId(command.transferId), command, metadata);
  }

  /** The transfer's current state, caught up with its stream. */
  async transfer(transferId: string): Promise<TransferState> {
    return (await this.transfers.load(transferStreamId(transferId))).state;
  }
}
