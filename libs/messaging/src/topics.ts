import { CATEGORIES, deadLetterTopic, eventTopic, isValidCategory, relayDeadLetterTopic } from '@bintrail/contracts';
import type { MessageBus, TopicSpec } from './bus/port';

export interface TopicLayout {
  readonly prefix?: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** The categories whose topics are created (default: the core CATEGORIES of libs/contracts). */
  readonly categories?: readonly string[];
  /** Categories a service declares on top of those, e.g. `['replenishment']` for a new replenishment service. */
  readonly extraCategories?: readonly string[];
}

/** The categories a layout declares, each once; throws on a name that cannot be a category (it becomes part of a topic name). */
export function declaredCategories(layout: TopicLayout = {}): string[] {
  const categories = [...new Set([...(layout.categories ?? CATEGORIES), ...(layout.extraCategories ?? [])])];
  const invalid = categories.filter((category) => !isValidCategory(category));
  if (invalid.length > 0) {
    throw new Error(`invalid event categories: ${invalid.map((c) => `'${c}'`).join(', ')} (lower-case letters, digits and dashes, starting with a letter)`);
  }
  return categories;
}

/**
 * The platform's topics: one per declared category, each with its dead-letter topic, and the relay's
 * dead-letter topic (where it parks an event whose category has no topic, instead of stalling on it).
 */
export function platformTopics(layout: TopicLayout = {}): TopicSpec[] {
  const partitions = layout.partitions ?? 6;
  const replicationFactor = layout.replicationFactor ?? 1;
  const categoryTopics = declaredCategories(layout).flatMap((category) => {
    const topic = eventTopic(category, layout.prefix);
    return [
      { topic, partitions, replicationFactor },
      { topic: deadLetterTopic(topic), partitions: 1, replicationFactor },
    ];
  });
  return [...categoryTopics, { topic: relayDeadLetterTopic(layout.prefix), partitions: 1, replicationFactor }];
}

/** Created by the platform (and each service, for the categories it owns) at start; nothing relies on the broker auto-creating topics. */
export async function ensurePlatformTopics(bus: MessageBus, layout: TopicLayout = {}): Promise<TopicSpec[]> {
  const specs = platformTopics(layout);
  await bus.createTopics(specs);
  return specs;
}
