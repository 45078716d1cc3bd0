export { handleCommand, type Decider, type CommandOutcome } from './command';
export { POSITION_HEADER, CORRELATION_HEADER, correlationIdOf } from './http';
export { PLATFORM_CONTEXT, type PlatformContext } from './platform-context';
export { StreamCommandHandler } from './stream-handler';
export { nestLogger } from './nest-logger';
export { DomainErrorFilter, DOMAIN_ERROR_STATUS, domainErrorBody, statusOfDomainError, type DomainError } from './domain-errors';
export {
  ReadModelClock,
  UnknownReadModel,
  parseMinPosition,
  readPosition,
  READ_POSITION_HEADER,
  LAG_HEADER,
  MIN_POSITION_PARAM,
  type ReadModelProgress,
  type ReadModelPosition,
  type ReadModelClockOptions,
  type WaitOutcome,
  type MinPosition,
} from './read-model-clock';
export { ReadsFrom, READS_FROM, controllerRoutes, readModelsOf, verifyReadsFrom, type ControllerRoute } from './reads-from';
export { ReadYourWritesInterceptor } from './read-your-writes.interceptor';
export {
  IdempotencyStore,
  registerIdempotency,
  requestFingerprint,
  canonicalJson,
  parseIdempotencyKey,
  isStorableStatus,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  type IdempotencyStoreOptions,
  type IdempotencyHookOptions,
  type StoredAnswer,
  type ClaimOutcome,
  type ParsedIdempotencyKey,
} from './idempotency';
export { RequestsInFlight } from './requests-in-flight';
