export { handleCommand, type Decider, type CommandOutcome } from './command';
export { POSITION_HEADER, CORRELATION_HEADER, correlationIdOf } from './http';
export { PLATFORM_CONTEXT, type PlatformContext } from './platform-context';
export { StreamCommandHandler } from './stream-handler';
