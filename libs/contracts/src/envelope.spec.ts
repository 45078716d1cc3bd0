import { categoryOfType, isValidEventType } from './envelope';

describe('event type names', () => {
  it('takes the category from the prefix before the dot', () => {
    expect(categoryOfType('warehouse.StockPicked')).toBe('warehouse');
    expect(categoryOfType('order.OrderPlaced')).toBe('order');
  });

  it('rejects a type without a category prefix or with a malformed name', () => {
    expect(categoryOfType('StockPicked')).toBeUndefined();
    expect(isValidEventType('StockPicked')).toBe(false);
    expect(isValidEventType('.StockPicked')).toBe(false);
    expect(isValidEventType('warehouse.')).toBe(false);
    expect(isValidEventType('Warehouse.stockPicked')).toBe(false);
    expect(isValidEventType('warehouse.StockPicked')).toBe(true);
  });
});
