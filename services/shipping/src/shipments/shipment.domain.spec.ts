import type { Decider } from '@bintrail/service-kit';
import { AlreadyExists, InvalidQuantity, InvalidShippingCommand, ShippingStreamNotFound, WrongStatus } from '../shipping-errors.domain';
import { SHIPMENT_EVENT_TYPES, shipmentDecider, shipmentStreamId, type Shipment, type ShipmentCommand, type ShipmentEvent, type ShipmentState } from './shipment.domain';
import { deliverShipment, DELIVERED_AT, dispatchShipment, given, openShipment, shipmentDelivered, shipmentDispatched, shipmentOpened } from './shipment.test-helper';

const status = (state: ShipmentState) => (state as Shipment).status;

describe('shipment stream', () => {
  it('runs under handleCommand as a Decider, one stream per shipment', () => {
    const decider: Decider<ShipmentCommand, ShipmentEvent, ShipmentState> = shipmentDecider;
    expect(decider.initialState).toEqual({ exists: false });
    expect(shipmentStreamId('SH1')).toBe('shipment-SH1');
    expect(SHIPMENT_EVENT_TYPES).toEqual(['shipping.ShipmentOpened', 'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered']);
  });

  it('refuses to dispatch or deliver a shipment that was never opened', () => {
    given().when(dispatchShipment).thenThrows(ShippingStreamNotFound, { code: 'ShippingStreamNotFound', kind: 'shipment', id: 'SH1' });
    given().when(deliverShipment).thenThrows(ShippingStreamNotFound);
  });

  describe('OpenShipment', () => {
    it('opens the shipment with the lines the warehouse staged', () => {
      expect(status(given().when(openShipment).then([shipmentOpened]))).toBe('opened');
    });

    it('changes nothing when the same shipment is opened again, and refuses the same id with other lines', () => {
      given(shipmentOpened).when(openShipment).then([]);
      given(shipmentOpened)
        .when({ ...openShipment, lines: [{ lineId: 'L1#1', sku: 'S1', quantity: 4 }] })
        .thenThrows(AlreadyExists, { code: 'ShippingAlreadyExists', id: 'SH1' });
    });

    it('refuses a shipment without lines, with a line twice, or with a quantity that is not a positive integer', () => {
      given().when({ ...openShipment, lines: [] }).thenThrows(InvalidShippingCommand, { field: 'lines' });
      const line = { lineId: 'L1#1', sku: 'S1', quantity: 1 };
      given().when({ ...openShipment, lines: [line, line] }).thenThrows(InvalidShippingCommand, { field: 'lines[].lineId', rule: 'must not repeat' });
      for (const quantity of [0, -1, 1.5, Number.NaN]) {
        given().when({ ...openShipment, lines: [{ ...line, quantity }] }).thenThrows(InvalidQuantity, { field: 'lines[0].quantity', code: 'InvalidQuantity' });
      }
      given().when({ ...openShipment, warehouse: ' ' }).thenThrows(InvalidShippingCommand, { field: 'warehouse' });
    });
  });

  describe('DispatchShipment', () => {
    it('dispatches with carrier and tracking number, naming the warehouse, the order and the lines for the warehouse to take off on-hand', () => {
      const state = given(shipmentOpened).when(dispatchShipment).then([shipmentDispatched]);
      expect(state).toMatchObject({ status: 'dispatched', dispatch: { carrier: 'DHL', trackingNumber: 'JD0001' } });
      expect(shipmentDispatched.data).toMatchObject({ warehouse: 'WH1', orderId: 'O1', lines: openShipment.lines });
    });

    it('refuses an empty or blank carrier or tracking number', () => {
      given(shipmentOpened).when({ ...dispatchShipment, carrier: '' }).thenThrows(InvalidShippingCommand, { field: 'carrier', rule: 'must not be empty' });
      given(shipmentOpened).when({ ...dispatchShipment, trackingNumber: '   ' }).thenThrows(InvalidShippingCommand, { field: 'trackingNumber' });
    });

    it('refuses a second dispatch; the same dispatch retried changes nothing', () => {
      given(shipmentOpened, shipmentDispatched)
        .when({ ...dispatchShipment, trackingNumber: 'JD0002' })
        .thenThrows(WrongStatus, { code: 'ShippingWrongStatus', status: 'dispatched' });
      given(shipmentOpened, shipmentDispatched, shipmentDelivered).when({ ...dispatchShipment, carrier: 'UPS' }).thenThrows(WrongStatus, { status: 'delivered' });
      given(shipmentOpened, shipmentDispatched).when(dispatchShipment).then([]);
    });
  });

  describe('DeliverShipment', () => {
    it('delivers a dispatched shipment', () => {
      const state = given(shipmentOpened, shipmentDispatched).when(deliverShipment).then([shipmentDelivered]);
      expect(state).toMatchObject({ status: 'delivered', deliveredAt: DELIVERED_AT });
    });

    it('refuses to deliver before dispatch', () => {
      given(shipmentOpened).when(deliverShipment).thenThrows(WrongStatus, { status: 'opened', rule: 'it cannot be delivered before it is dispatched' });
    });

    it('changes nothing for the same delivery again, and refuses another delivery time', () => {
      given(shipmentOpened, shipmentDispatched, shipmentDelivered).when(deliverShipment).then([]);
      given(shipmentOpened, shipmentDispatched, shipmentDelivered)
        .when({ ...deliverShipment, deliveredAt: '2026-03-05T08:00:00.000Z' })
        .thenThrows(WrongStatus, { status: 'delivered' });
    });
  });
});
