import { createLogger } from './logger';

describe('structured logger', () => {
  it('writes one JSON line per record with service, level, correlation id and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'relay', level: 'info', write: (l) => lines.push(l) }).child({ correlationId: 'c-1' });
    log.debug('hidden');
    log.warn('broker unavailable', { attempt: 2, error: new Error('ECONNREFUSED') });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      service: 'relay',
      correlationId: 'c-1',
      attempt: 2,
      error: { name: 'Error', message: 'ECONNREFUSED' },
      message: 'broker unavailable',
    });
  });
});
