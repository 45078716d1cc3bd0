import Fastify, { type FastifyInstance } from 'fastify';
import { RequestsInFlight } from './requests-in-flight';

/** The platform's load signal: how many HTTP requests it is working on, answered or dropped ones no longer counted. */
describe('RequestsInFlight', () => {
  let app: FastifyInstance;
  let origin: string;
  const load = new RequestsInFlight();
  const gates: (() => void)[] = [];

  beforeAll(async () => {
    app = Fastify();
    load.register(app);
    app.post('/slow', async () => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return { ok: true };
    });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => app.close());

  const until = async (check: () => boolean): Promise<void> => {
    for (const started = Date.now(); !check(); ) {
      if (Date.now() - started > 5_000) throw new Error(`still ${load.current} requests in flight`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };

  it('is busy while more than one request is in flight, and counts a request until it is answered or dropped', async () => {
    expect(load.busy()).toBe(false);
    const first = fetch(`${origin}/slow`, { method: 'POST' });
    await until(() => load.current === 1);
    expect(load.busy()).toBe(false); // one command at a time
    const dropped = new AbortController();
    const second = fetch(`${origin}/slow`, { method: 'POST', signal: dropped.signal }).catch((error: unknown) => error);
    await until(() => load.current === 2);
    expect(load.busy()).toBe(true);

    gates.shift()!();
    expect((await first).status).toBe(200);
    await until(() => load.current === 1);
    dropped.abort(); // the client goes away before its answer
    expect(await second).toMatchObject({ name: 'AbortError' });
    await until(() => load.current === 0);
    gates.shift()!(); // the handler ends later; nothing is counted twice
    expect((await fetch(`${origin}/missing`)).status).toBe(404);
    await until(() => load.current === 0);
    expect(load.busy()).toBe(false);
  });
});
