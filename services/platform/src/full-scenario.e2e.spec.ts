import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistributedLauncher, PlatformProcess } from './testing/platform-process';
import { raceForStock, runFullScenario } from './testing/scenario';

const runId = (form: string) => `${form}${Date.now().toString(36).toUpperCase()}`;
const log = (form: string) => (line: string) => process.stdout.write(`full scenario (${form}) ${line}\n`);

/**
 * The full scenario (testing/scenario.ts) through both forms of the platform: the same HTTP calls and the
 * same stock figures, whether all services share one process or each runs alone on PostgreSQL + Kafka.
 * Then, on the same running platform, fifty buyers race for ten units.
 */
describe('the full scenario', () => {
  describe('embedded (npm start)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-full-scenario-'));
    let platform: PlatformProcess;
    let url: string;
    beforeAll(async () => {
      platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
      url = await platform.ready();
    }, 90_000);
    afterAll(async () => {
      await PlatformProcess.killAll();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('receives, stores, picks, ships, counts, back-orders and transfers with bins and totals agreeing at every step', async () => {
      await runFullScenario(url, { runId: runId('E'), log: log('embedded') });
    }, 120_000);

    it('fifty buyers racing for ten units: exactly ten allocated, forty back-ordered, filled oldest first', async () => {
      await raceForStock(url, { runId: runId('RE'), refill: 5, log: log('embedded') });
    }, 120_000);

    it('stops cleanly on SIGTERM', async () => {
      expect(await platform.stop()).toBe(0);
    }, 30_000);
  });

  describe('distributed (npm run start:distributed: one process per service, PostgreSQL + Kafka)', () => {
    let launcher: DistributedLauncher | undefined;
    let url: string;
    beforeAll(async () => {
      launcher = new DistributedLauncher(`scenario_${Date.now().toString(36)}_${process.pid}`);
      url = await launcher.ready();
    }, 90_000);
    afterAll(() => launcher?.cleanUp(), 30_000);

    it('the same scenario, with the same figures, across processes', async () => {
      await runFullScenario(url, { runId: runId('D'), log: log('distributed') });
    }, 150_000);

    it('the same race across service boundaries: exactly ten allocated, forty back-ordered, filled oldest first', async () => {
      await raceForStock(url, { runId: runId('RD'), refill: 5, timeoutMs: 60_000, log: log('distributed') });
    }, 150_000);
  });
});
