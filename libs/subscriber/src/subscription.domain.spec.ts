import { InvalidSubscription, planSubscription } from './subscription.domain';

describe('planSubscription', () => {
  it('derives the categories (topics) from the event types', () => {
    const plan = planSubscription({ group: 'replenishment', events: ['warehouse.StockPicked', 'inventory.ItemUpserted', 'warehouse.StockMoved'] });
    expect(plan).toMatchObject({ group: 'replenishment', categories: ['inventory', 'warehouse'], from: 'beginning', maxAttempts: 5 });
    expect([...plan.types]).toEqual(['warehouse.StockPicked', 'inventory.ItemUpserted', 'warehouse.StockMoved']);
  });

  it.each([
    [{ group: '', events: ['warehouse.StockPicked'] }, /^group must be/],
    [{ group: 'a b', events: ['warehouse.StockPicked'] }, /^group must be/],
    [{ group: 'g', events: [] }, /^events must list at least one event type/],
    [{ group: 'g', events: ['StockPicked'] }, /^events\[0\] must be '<category>.<EventName>'/],
    [{ group: 'g', events: ['warehouse.StockPicked'], maxAttempts: 0 }, /^maxAttempts must be a positive integer/],
    [{ group: 'g', events: ['warehouse.StockPicked'], from: { position: 0 } }, /^from.position must be an integer >= 1/],
    [{ group: 'g', events: ['warehouse.StockPicked'], from: { time: new Date('nope') } }, /^from.time must be a valid Date/],
    [{ group: 'g', events: ['warehouse.StockPicked'], from: 'yesterday' as never }, /^from must be 'beginning', 'live', \{ position \} or \{ time \}/],
  ])('refuses %j naming the field and the rule', (input, message) => {
    expect(() => planSubscription(input)).toThrow(InvalidSubscription);
    expect(() => planSubscription(input)).toThrow(message);
  });
});
