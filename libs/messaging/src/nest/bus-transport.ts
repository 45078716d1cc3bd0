import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumerLag } from '../bus/port';
import type { EventSource, RunningSubscription } from '../source/event-source';

export interface BusTransportOptions {
  /** Kafka (`KafkaEventSource`, distributed) or the store's log (`LogEventSource`, embedded). */
  readonly source: EventSource;
  /** The service's consumer group: each service gets every event once, its instances share the work. */
  readonly groupId: string;
  /**
   * Nest routes every @EventPattern of the app to every connected transport, unless the handler names
   * a transport: `@EventPattern(type, transportId)`. Give each service's transport its own symbol and
   * its handlers that symbol, and each group gets its own service's handlers only. A transport with no
   * id gets every handler, so with several transports, give every one an id.
   */
  readonly transportId?: symbol;
  /** false: handlers that run commands (append to the store); see EventSubscription.transactional. */
  readonly transactional?: boolean;
}

/**
 * NestJS transport over an event source. Handlers are declared with
 * `@EventPattern(<event type from libs/contracts>)`; the strategy subscribes its group to those
 * types and routes each event by its `type` — never by a class name. A handler receives the event
 * as its payload and the EventContext (`tx`, `logger`, `message` when it came from Kafka) as its
 * context (`@Payload() event, @Ctx() context`); writes made through `context.tx` commit exactly once.
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  private subscription: RunningSubscription | undefined;

  constructor(private readonly options: BusTransportOptions) {
    super();
    if (options.transportId !== undefined) this.setTransportId(options.transportId);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const types = [...this.messageHandlers.keys()];
      // The handler of each type, looked up once: Nest's lookup JSON.parses the pattern first, and a type
      // such as `warehouse.StockReceived` is no JSON, so every event paid for a thrown exception.
      const handlers = new Map<string, ReturnType<BusTransport['getHandlerByPattern']>>();
      const handlerOf = (type: string) => {
        if (!handlers.has(type)) handlers.set(type, this.getHandlerByPattern(type));
        return handlers.get(type);
      };
      if (types.length > 0) {
        this.subscription = await this.options.source.subscribe({
          groupId: this.options.groupId,
          types,
          ...(this.options.transactional === false ? { transactional: false } : {}),
          handle: async (event, context) => {
            const handler = handlerOf(event.type)!;
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

  get subscriptionStatus(): RunningSubscription['status'] {
    return this.subscription?.status;
  }

  /** The group's lag in events and seconds, where its source can tell (Kafka); undefined otherwise. */
  async lag(): Promise<ConsumerLag | undefined> {
    return this.subscription?.lag?.();
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  on(): never {
    throw new Error('BusTransport has no status events; read its status or the logs');
  }

  unwrap<T>(): T {
    return this.options.source as T;
  }
}
