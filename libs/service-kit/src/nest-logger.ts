import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@bintrail/observability';

/** Nest's own messages go through the structured logger, so stdout stays one JSON object per line. */
export function nestLogger(logger: Logger): LoggerService {
  const nest = logger.child({ component: 'nest' });
  return {
    log: (message: unknown) => nest.debug(String(message)),
    error: (message: unknown, trace?: unknown) => nest.error(String(message), { trace }),
    warn: (message: unknown) => nest.warn(String(message)),
    debug: (message: unknown) => nest.debug(String(message)),
    verbose: (message: unknown) => nest.debug(String(message)),
  };
}
