import { ConfigError, loadConfig } from './config';

describe('platform configuration', () => {
  it('defaults to the embedded mode with data under .bintrail/data', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      mode: 'embedded',
      dataDir: '/srv/app/.bintrail/data',
      databaseUrl: undefined,
      schema: 'bintrail',
    });
  });

  it('names the missing variable when the distributed mode has no database', () => {
    expect(() => loadConfig({ BINTRAIL_MODE: 'distributed' }, '/')).toThrow(ConfigError);
    expect(() => loadConfig({ BINTRAIL_MODE: 'distributed' }, '/')).toThrow(/DATABASE_URL/);
  });

  it('refuses an unknown mode and an unsafe schema name', () => {
    expect(() => loadConfig({ BINTRAIL_MODE: 'cluster' }, '/')).toThrow(/BINTRAIL_MODE/);
    expect(() => loadConfig({ BINTRAIL_SCHEMA: 'x; drop table' }, '/')).toThrow(/BINTRAIL_SCHEMA/);
  });
});
