/**
 * Run in a child process by consume-unreachable.int.spec.ts (Jest does not reliably surface unhandled
 * rejections, a child process dies of them). It asks KafkaBus to consume from a broker that is not
 * there, catches the error as a caller would, and stays alive past the join timeout: nothing may
 * reject later, and once the bus is closed no timer may keep the process alive.
 */
import { KafkaBus } from './kafka';

const JOIN_TIMEOUT_MS = 1_500;

async function main(): Promise<void> {
  const bus = new KafkaBus({
    brokers: ['127.0.0.1:1'],
    clientId: 'consume-unreachable',
    joinTimeoutMs: JOIN_TIMEOUT_MS,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  });
  try {
    await bus.consume({ groupId: 'consume-unreachable', topics: ['nowhere'], handler: async () => undefined });
    process.stdout.write('consume() resolved without a broker\n');
    process.exitCode = 2;
    return;
  } catch (error) {
    process.stdout.write(`consume() failed as expected: ${(error as Error).message}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, JOIN_TIMEOUT_MS + 2_500));
  await bus.close();
  // No process.exit(): the process must end by itself, which it does only if no timer was left behind.
  process.stdout.write('alive after the join timeout\n');
}

void main();
