import { platformTopics } from './topics';

describe('platform topics', () => {
  it('are the core categories, each with its dead-letter topic, and the relay dead-letter topic', () => {
    expect(platformTopics({ partitions: 3 }).map((spec) => spec.topic)).toEqual([
      'bintrail.inventory.events',
      'bintrail.inventory.events.dlq',
      'bintrail.warehouse.events',
      'bintrail.warehouse.events.dlq',
      'bintrail.order.events',
      'bintrail.order.events.dlq',
      'bintrail.shipping.events',
      'bintrail.shipping.events.dlq',
      'bintrail.relay.dlq',
    ]);
  });

  it('include the categories a service declares on top of the core ones, each once', () => {
    const topics = platformTopics({ prefix: 't1', extraCategories: ['replenishment', 'warehouse', 'replenishment'] }).map((spec) => spec.topic);
    expect(topics.filter((topic) => topic.startsWith('t1.replenishment.'))).toEqual(['t1.replenishment.events', 't1.replenishment.events.dlq']);
    expect(topics.filter((topic) => topic === 't1.warehouse.events')).toHaveLength(1);
    expect(topics).toContain('t1.relay.dlq');
  });

  it('refuse a declared category that cannot be part of a topic name', () => {
    expect(() => platformTopics({ extraCategories: ['Replenishment', 'ok', 'two words'] })).toThrow(
      "invalid event categories: 'Replenishment', 'two words'",
    );
  });
});
