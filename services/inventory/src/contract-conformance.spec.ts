import { validateEventData, type ConsumedEventsDrift, type EmittedEventsDrift, type NoDrift } from '@bintrail/contracts';
import { decideItem, evolveItem, initialItemState, ITEM_EVENT_TYPES, type ItemCommand, type ItemEvent } from './items/item.domain';
import type { OrderBackOrderEvent } from './stock/back-orders.domain';
import type { InTransitEvent } from './stock/in-transit.domain';
import type { WarehouseStockEvent } from './stock/stock-changes.domain';

/**
 * The inventory service's events are the published contract (@bintrail/contracts), checked twice: by
 * `tsc` (these types stop compiling when the service's event data, or what it reads of other services'
 * events, and the contract's schemas drift apart, naming the event type) and at run time (every event
 * the item master decides passes the contract's JSON Schema).
 */
export type EmittedConformance = NoDrift<EmittedEventsDrift<ItemEvent, 'inventory'>>;
export type ConsumedConformance = NoDrift<ConsumedEventsDrift<OrderBackOrderEvent | InTransitEvent | WarehouseStockEvent>>;

function decideAll(commands: readonly ItemCommand[]): ItemEvent[] {
  const decided: ItemEvent[] = [];
  let state = initialItemState;
  for (const command of commands) {
    const events = decideItem(command, state);
    decided.push(...events);
    state = events.reduce(evolveItem, state);
  }
  return decided;
}

describe('inventory events conform to the published contract', () => {
  const scenario = decideAll([
    { type: 'DefineItem', sku: 'SKU-1', description: 'Blue widget', unit: 'each' },
    { type: 'DefineItem', sku: 'SKU-1', description: 'Blue widget, boxed', unit: 'box' },
  ]);

  it('decides every inventory event type, and each passes the contract schema', () => {
    expect(scenario.map((e) => e.type).sort()).toEqual([...ITEM_EVENT_TYPES].sort());
    const errors = scenario.flatMap((e) => {
      const result = validateEventData(e.type, 1, e.data);
      return result.ok ? [] : [{ type: e.type, errors: result.errors }];
    });
    expect(errors).toEqual([]);
  });

  it('the contract refuses what the domain never emits (the check can fail)', () => {
    expect(validateEventData('inventory.ItemRegistered', 1, { sku: 'SKU-1', description: 'x' })).toEqual({ ok: false, errors: ["/ must have required property 'unit'"] });
  });
});
