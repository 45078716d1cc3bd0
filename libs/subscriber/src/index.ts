export type { StartFrom, SubscriberContext, Subscription, SubscriberConfig, SubscriberStatus, RunningSubscription, SubscriberRuntime } from './api';
export { connectSubscriber } from './runtime';
export { subscriberConfigFromEnv, SubscriberConfigError } from './config';
export { InvalidSubscription } from './subscription.domain';
