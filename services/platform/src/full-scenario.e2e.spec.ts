import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistributedLauncher, PlatformProcess } from './testing/platform-process';
import { runFullScenario } from './testing/scenario';

const runId = (form: string) => `${form}${Date.now().toString(36).toUpperCase()}`;
const log = (form: string) => (line: string) => process.stdout.write(`full scenario (${form}) ${line}\n`);

/**
 * The full scenario (testing/scenario.ts) through both forms of the platform: the same HTTP calls and the
 * same stock figures, whether all services share one process or each runs alone on PostgreSQL + Kafka.
 */
describe('the full scenario', () => {
  describe('embedded (npm start)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-full-scenario-'));
    afterAll(async () => {
      await PlatformProcess.killAll();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('receives, stores, picks, ships, counts, back-orders and transfers with bins and totals agreeing at every step', async () => {
      const platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
      const url = await platform.ready();
      await runFullScenario(url, { runId: runId('E'), log: log('embedded') });
      expect(await platform.stop()).toBe(0);
    }, 120_000);
  });

  describe('distributed (npm run start:distributed: one process per service, PostgreSQL + Kafka)', () => {
    let launcher: DistributedLauncher | undefined;
    afterAll(() => launcher?.cleanUp(), 30_000);

    it('the same scenario, with the same figures, across processes', async () => {
      launcher = new DistributedLauncher(`scenario_${Date.now().toString(36)}_${process.pid}`);
      const url = await launcher.ready();
      await runFullScenario(url, { runId: runId('D'), log: log('distributed') });
    }, 150_000);
  });
});
