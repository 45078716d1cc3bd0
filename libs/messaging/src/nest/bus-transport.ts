import { categoryOfType, eventTopic } from '@bintrail/contracts';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { MessageBus, RunningConsumer } from '../bus/port';
import { startEventConsumer, type EventConsumerOptions } from '../consumer/event-consumer';

export interface BusTransportOptions
  extends Pick<EventConsumerOptions, 'inbox' | 'decoder' | 'maxAttempts' | 'backoffMs' | 'logger' | 'fromBeginning'> {
  readonly bus: MessageBus;
  /** The service's consumer group: each service gets every event once, its instances share the partitions. */
  readonly groupId: string;
  readonly topicPrefix?: string;
}

/**
 * NestJS transport over the bus port (Kafka or in-process). Handlers are declared with
 * `@EventPattern(<event type from libs/contracts>)`; the strategy subscribes to the topics of
 * those types' categories and routes each event by its `type` — never by a class name. Every
 * event goes through the platform consumer: contract validation, inbox, retries, dead letters.
 * A handler receives the event as its payload and the HandlerContext (`tx`, `message`, `logger`) as
 * its context (`@Payload() event, @Ctx() context`).
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  private consumer: RunningConsumer | undefined;

  constructor(private readonly options: BusTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const types = [...this.messageHandlers.keys()];
      const invalid = types.filter((t) => !categoryOfType(t));
      if (invalid.length > 0) {
        throw new Error(`@EventPattern must name an event type '<category>.<EventName>' from libs/contracts; got ${invalid.join(', ')}`);
      }
      const topics = [...new Set(types.map((t) => eventTopic(categoryOfType(t)!, this.options.topicPrefix)))];
      if (topics.length > 0) {
        this.consumer = await startEventConsumer({
          ...this.options,
          topics,
          accepts: (type) => this.messageHandlers.has(type),
          handle: async (event, context) => {
            const handler = this.getHandlerByPattern(event.type)!;
            const result = this.transformToObservable(await handler(event, context));
            await lastValueFrom(result, { defaultValue: undefined });
          },
        });
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  on(): never {
    throw new Error('BusTransport has no status events; observe the consumer through logs');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }
}
