import { decideItem, evolveItem, initialItemState, type ItemCommand, type ItemEvent } from './item.domain';

const given = (events: ItemEvent[]) => ({
  when: (command: ItemCommand) => decideItem(command, events.reduce(evolveItem, initialItemState)),
});

const define = (description: string, unit = 'each'): ItemCommand => ({ type: 'DefineItem', sku: 'SKU-1', description, unit });

describe('item master', () => {
  it('registers an item the first time it is defined', () => {
    expect(given([]).when(define('Blue widget'))).toEqual([
      { type: 'inventory.ItemRegistered', data: { sku: 'SKU-1', description: 'Blue widget', unit: 'each' } },
    ]);
  });

  it('records a change of description or unit as an update', () => {
    const registered: ItemEvent = { type: 'inventory.ItemRegistered', data: { sku: 'SKU-1', description: 'Blue widget', unit: 'each' } };
    expect(given([registered]).when(define('Blue widget', 'box'))).toEqual([
      { type: 'inventory.ItemUpdated', data: { sku: 'SKU-1', description: 'Blue widget', unit: 'box' } },
    ]);
  });

  it('changes nothing when the item is defined as it already is (a retried PUT)', () => {
    const registered: ItemEvent = { type: 'inventory.ItemRegistered', data: { sku: 'SKU-1', description: 'Blue widget', unit: 'each' } };
    expect(given([registered]).when(define('Blue widget'))).toEqual([]);
  });
});
