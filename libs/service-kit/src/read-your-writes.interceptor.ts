import { BadRequestException, Injectable, ServiceUnavailableException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { LAG_HEADER, MIN_POSITION_PARAM, parseMinPosition, READ_POSITION_HEADER, readPosition, type ReadModelClock, type ReadModelPosition } from './read-model-clock';
import { READS_FROM } from './reads-from';

/** Seconds a client is told to wait before retrying a read whose read model had not caught up. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Read-your-writes for every GET (and HEAD), registered once: `app.useGlobalInterceptors(new ReadYourWritesInterceptor(clock))`.
 *
 * - `?minPosition=N` is checked on every GET (a non-negative integer, else 400 naming `minPosition`) and
 *   then removed from the query, so no @Query() DTO ever sees it (forbidNonWhitelisted stays strict).
 * - For a handler marked @ReadsFrom(...): with minPosition it waits (at most the clock's maxWaitMs)
 *   until each named read model's checkpoint is ≥ N, then lets the handler read; on timeout it answers
 *   503 with `Retry-After` and where each read model stands. With or without minPosition the answer
 *   carries `bintrail-read-position` (lowest checkpoint of the read models, taken before the handler
 *   reads, so the data is at least that fresh) and `bintrail-lag` (head − that checkpoint).
 */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  private readonly reflector = new Reflector();

  constructor(private readonly clock: ReadModelClock) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (request.method !== 'GET' && request.method !== 'HEAD') return next.handle();

    const query = (request.query ?? {}) as Record<string, unknown>;
    const minPosition = parseMinPosition(query[MIN_POSITION_PARAM]);
    if (!minPosition.ok) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`${MIN_POSITION_PARAM} ${minPosition.error}`] });
    }
    delete query[MIN_POSITION_PARAM];

    const readModels = this.reflector.getAllAndOverride<readonly string[] | undefined>(READS_FROM, [context.getHandler(), context.getClass()]);
    if (!readModels || readModels.length === 0) return next.handle();
    const reply = http.getResponse<FastifyReply>();

    if (minPosition.value === undefined) {
      await this.setHeaders(reply, this.clock.positions(readModels));
      return next.handle();
    }
    const outcome = await this.clock.waitFor(readModels, minPosition.value);
    const head = await this.setHeaders(reply, outcome.positions);
    if (!outcome.reached) {
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      const behind = outcome.positions.filter((p) => p.position < minPosition.value!);
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message:
          `${behind.map((p) => `read model ${p.readModel} is at position ${p.position}`).join(', ')}, ` +
          `behind minPosition ${minPosition.value} after waiting ${outcome.waitedMs} ms (log head ${head}); retry after ${RETRY_AFTER_SECONDS} s`,
        minPosition: minPosition.value,
        head,
        waitedMs: outcome.waitedMs,
        readModels: outcome.positions.map((p) => ({ name: p.readModel, position: p.position, lag: Math.max(0, head - p.position) })),
      });
    }
    return next.handle();
  }

  /** Sets the read-position headers; returns the head it measured the lag against. */
  private async setHeaders(reply: FastifyReply, positions: readonly ReadModelPosition[]): Promise<number> {
    const head = await this.clock.head();
    const { position, lag } = readPosition(positions, head);
    reply.header(READ_POSITION_HEADER, String(position));
    reply.header(LAG_HEADER, String(lag));
    return head;
  }
}
