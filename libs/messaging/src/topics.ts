import { CATEGORIES, deadLetterTopic, eventTopic } from '@bintrail/contracts';
import type { MessageBus, TopicSpec } from './bus/port';

export interface TopicLayout {
  readonly prefix?: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly categories?: readonly string[];
}

/** The platform's topics: one per service category, each with its dead-letter topic. */
export function platformTopics(layout: TopicLayout = {}): TopicSpec[] {
  const partitions = layout.partitions ?? 6;
  const replicationFactor = layout.replicationFactor ?? 1;
  return (layout.categories ?? CATEGORIES).flatMap((category) => {
    const topic = eventTopic(category, layout.prefix);
    return [
      { topic, partitions, replicationFactor },
      { topic: deadLetterTopic(topic), partitions: 1, replicationFactor },
    ];
  });
}

/** Created by the platform at start; nothing relies on the broker auto-creating topics. */
export async function ensurePlatformTopics(bus: MessageBus, layout: TopicLayout = {}): Promise<TopicSpec[]> {
  const specs = platformTopics(layout);
  await bus.createTopics(specs);
  return specs;
}
