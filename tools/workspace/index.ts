/** `@bintrail/tools`: the workspace's Nx generators (listed in generators.json; `npx nx g @bintrail/tools:<name>`). */
export { subscriberServiceGenerator, type SubscriberServiceOptions } from './subscriber-service/generator';
