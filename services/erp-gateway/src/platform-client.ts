import { backoffDelay } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import { CORRELATION_HEADER, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MIN_POSITION_PARAM, POSITION_HEADER, READ_POSITION_HEADER } from '@bintrail/service-kit';
import { isTransient, type PlatformAnswer, type PlatformRequest } from './inbound/command-routes.domain';

/** The platform could not be asked now (down, 5xx, read model not caught up): the caller tries again later. */
export class PlatformUnavailable extends Error {
  override readonly name = 'PlatformUnavailable';
}

/** A read's answer: the body and the log position its read models had reached (`bintrail-read-position`). */
export interface PlatformRead<T> {
  readonly status: number;
  readonly body: T;
  readonly readPosition: number;
}

/** The platform's public HTTP API: the only way the gateway reaches Bintrail. */
export class PlatformClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** One command, with the idempotency key and correlation id as headers. Unreachable → PlatformUnavailable. */
  async command(request: PlatformRequest, ids: { idempotencyKey: string; correlationId: string }): Promise<PlatformAnswer> {
    const response = await this.fetch(request.path, {
      method: request.method,
      headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: ids.idempotencyKey, [CORRELATION_HEADER]: ids.correlationId },
      body: JSON.stringify(request.body),
    });
    const position = response.headers.get(POSITION_HEADER);
    // The same key still running elsewhere (a redelivery racing the first delivery): its answer comes, wait for it.
    if (response.status === 409 && response.headers.has('retry-after')) throw new PlatformUnavailable(`${request.method} ${request.path}: ${JSON.stringify(await bodyOf(response))}`);
    const replayed = response.headers.get(IDEMPOTENT_REPLAYED_HEADER) === 'true';
    return { status: response.status, body: await bodyOf(response), position: position === null ? null : Number(position), ...(replayed ? { replayed } : {}) };
  }

  /** GET as of at least `minPosition` (read-your-writes): a 503 (not caught up) or 5xx is PlatformUnavailable; 404 and others are returned. */
  async read<T>(path: string, minPosition: number, correlationId: string): Promise<PlatformRead<T>> {
    const response = await this.fetch(`${path}${path.includes('?') ? '&' : '?'}${MIN_POSITION_PARAM}=${minPosition}`, { headers: { [CORRELATION_HEADER]: correlationId } });
    const body = await bodyOf(response);
    if (isTransient(response.status)) throw new PlatformUnavailable(`GET ${path} → ${response.status} ${JSON.stringify(body)}`);
    return { status: response.status, body: body as T, readPosition: Number(response.headers.get(READ_POSITION_HEADER) ?? minPosition) };
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new PlatformUnavailable(`${init.method ?? 'GET'} ${this.baseUrl}${path}: ${(error as Error).message}`);
    }
  }
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return { message: text };
  }
}

/**
 * Runs `work` until it succeeds, waiting 100 ms doubling to `capMs` between tries while it throws
 * PlatformUnavailable. Other errors, and `signal` aborting (the gateway stops), end it with an error.
 */
export async function untilAvailable<T>(work: () => Promise<T>, options: { signal: AbortSignal; logger: Logger; capMs?: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof PlatformUnavailable) || options.signal.aborted) throw error;
      const delay = backoffDelay(attempt, options.capMs ?? 5_000);
      options.logger.warn('platform unavailable; trying again', { attempt, nextDelayMs: delay, error: error.message });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done(): void {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', done);
          resolve();
        }
        options.signal.addEventListener('abort', done);
      });
    }
  }
}
