import type { FastifyInstance } from 'fastify';

/**
 * Counts the HTTP requests a process is working on (received, not yet answered or dropped): its load signal.
 * The embedded platform's log consumers read it: while more than one request is in flight, more commands are
 * on their way than the one whose append woke them, and a projection waits a few milliseconds to fold several
 * appends in one transaction; with one command at a time it reads at once.
 */
export class RequestsInFlight {
  private count = 0;

  get current(): number {
    return this.count;
  }

  /** More than one request in flight. */
  readonly busy = (): boolean => this.count > 1;

  /** Counts every request of this Fastify instance, from its arrival until its response is done or its connection closed. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (_request, reply, done) => {
      this.count += 1;
      // 'close' comes once per response: after it was sent, or when the client went away first.
      reply.raw.once('close', () => {
        this.count -= 1;
      });
      done();
    });
  }
}
