import type { ConsumeOptions, IncomingMessage, MessageBus, OutgoingMessage, RunningConsumer, TopicSpec } from './port';
import { partitionForKey } from './port';

interface Member {
  readonly id: number;
  readonly options: ConsumeOptions;
  stopped: boolean;
}

interface Group {
  readonly offsets: Map<string, number>; // `${topic}/${partition}` → next offset
  readonly members: Member[];
}

/**
 * The embedded mode's bus: topics, partitions, consumer groups and redelivery in one process,
 * with Kafka's semantics (per-key order, each group sees every message, a failing handler gets
 * the same message again). Messages live in memory; the event store remains the source of truth.
 */
export class InProcessBus implements MessageBus {
  private readonly topics = new Map<string, IncomingMessage[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly running = new Set<Promise<void>>();
  private wakers = new Set<() => void>();
  private nextMemberId = 1;
  private closed = false;

  constructor(private readonly options: { redeliveryDelayMs?: number } = {}) {}

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (!this.topics.has(spec.topic)) this.topics.set(spec.topic, Array.from({ length: spec.partitions }, () => []));
    }
  }

  async listTopics(): Promise<string[]> {
    return [...this.topics.keys()];
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const message of messages) {
      const partitions = this.topics.get(message.topic);
      if (!partitions) throw new Error(`topic ${message.topic} does not exist (create it at start; topics are never auto-created)`);
      const partition = partitionForKey(message.key, partitions.length);
      const log = partitions[partition]!;
      log.push({ ...message, headers: { ...message.headers }, partition, offset: String(log.length) });
    }
    this.wakeAll();
  }

  async consume(options: ConsumeOptions): Promise<RunningConsumer> {
    for (const topic of options.topics) {
      if (!this.topics.has(topic)) throw new Error(`topic ${topic} does not exist (create it at start; topics are never auto-created)`);
    }
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { offsets: new Map(), members: [] };
      this.groups.set(options.groupId, group);
      for (const topic of options.topics) {
        this.topics.get(topic)!.forEach((log, p) => group!.offsets.set(`${topic}/${p}`, options.fromBeginning === false ? log.length : 0));
      }
    }
    const member: Member = { id: this.nextMemberId++, options, stopped: false };
    group.members.push(member);
    const loop = this.runMember(group, member);
    this.running.add(loop);
    void loop.finally(() => this.running.delete(loop));
    return {
      stop: async () => {
        member.stopped = true;
        const index = group!.members.indexOf(member);
        if (index >= 0) group!.members.splice(index, 1);
        this.wakeAll();
        await loop;
      },
    };
  }

  /** Delivers, one at a time per partition, every message of the partitions this member is assigned. */
  private async runMember(group: Group, member: Member): Promise<void> {
    while (!member.stopped && !this.closed) {
      let delivered = false;
      for (const topic of member.options.topics) {
        const partitions = this.topics.get(topic)!;
        for (let p = 0; p < partitions.length; p++) {
          if (member.stopped || !this.assignedTo(group, member, topic, p)) continue;
          const key = `${topic}/${p}`;
          const offset = group.offsets.get(key) ?? 0;
          const message = partitions[p]![offset];
          if (!message) continue;
          try {
            await member.options.handler(message);
            group.offsets.set(key, offset + 1);
          } catch {
            // Not committed: the same message comes again after a pause (at-least-once).
            await new Promise((r) => setTimeout(r, this.options.redeliveryDelayMs ?? 50));
          }
          delivered = true;
        }
      }
      if (!delivered) await new Promise<void>((resolve) => this.wakers.add(resolve));
    }
  }

  /** Partitions are spread over a group's members by index, like Kafka's range assignor. */
  private assignedTo(group: Group, member: Member, topic: string, partition: number): boolean {
    const subscribers = group.members.filter((m) => m.options.topics.includes(topic));
    return subscribers[partition % subscribers.length] === member;
  }

  private wakeAll(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const wake of wakers) wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await Promise.all([...this.running]);
  }
}
