import { Type } from '@sinclair/typebox';
import { data, Text, Units, UnitsOrNone, type DataByType } from './common';

/**
 * Events of the replenishment service (topic `bintrail.replenishment.events`), a subscriber service built on
 * libs/subscriber: one stream per warehouse and SKU, `replenishment-<warehouse>-<sku>`.
 */
const where = { warehouse: Text('warehouse code'), sku: Text() };
const levels = Type.Object(
  {
    onHand: UnitsOrNone('units in every bin of the warehouse'),
    allocated: UnitsOrNone('units held for order lines'),
    available: UnitsOrNone('onHand − allocated: what GET /inventory/:sku shows for the warehouse'),
    reserveFree: UnitsOrNone('free units in bins of zone RESERVE'),
    pickFaceAvailable: UnitsOrNone('available − reserveFree: what can be picked without a move first'),
  },
  { additionalProperties: false, description: 'the stock the decision was made on' },
);
const reorderPoint = UnitsOrNone('below this many pick-face units, replenish');

export const ReorderPointSetV1 = data(
  { ...where, reorderPoint, reorderQuantity: Units('units to bring: bought when no reserve stock is left, at most this many moved from one reserve bin') },
  'A reorder point was set for a SKU in a warehouse.',
);

export const ReplenishmentSuggestedV1 = Type.Union(
  [
    data(
      {
        ...where,
        kind: Type.Literal('move'),
        fromBin: Text('the reserve bin to take units from'),
        toBin: Type.Union([Text('the pick-face bin to put them in'), Type.Null()], { description: 'null: no pick-face bin holds the SKU yet' }),
        quantity: Units(),
        reorderPoint,
        levels,
      },
      'Move units from a reserve bin to the pick face.',
    ),
    data({ ...where, kind: Type.Literal('purchase'), quantity: Units(), reorderPoint, levels }, 'Buy units: no reserve stock is left.'),
  ],
  { description: 'The stock that can be picked without a move dropped below the reorder point: a move or a purchase is suggested.' },
);

export const ReplenishmentClosedV1 = data(
  { ...where, kind: Type.Union([Type.Literal('move'), Type.Literal('purchase')]), reorderPoint, levels },
  'The stock that can be picked is back at or above the reorder point: the open suggestion is done with.',
);

export const REPLENISHMENT_EVENT_SCHEMAS = {
  'replenishment.ReorderPointSet': { 1: ReorderPointSetV1 },
  'replenishment.ReplenishmentSuggested': { 1: ReplenishmentSuggestedV1 },
  'replenishment.ReplenishmentClosed': { 1: ReplenishmentClosedV1 },
} as const;

/** The data of each replenishment event at version 1, by type. */
export type ReplenishmentEventData = DataByType<typeof REPLENISHMENT_EVENT_SCHEMAS, 1>;
