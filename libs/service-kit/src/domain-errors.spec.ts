import { domainErrorBody, statusOfDomainError, type DomainError } from './domain-errors';

class InsufficientStock extends Error implements DomainError {
  readonly code = 'InsufficientStock';
  constructor(
    readonly bin: string,
    readonly available: number,
  ) {
    super(`bin ${bin} has ${available} units`);
    this.name = 'InsufficientStock';
  }
}

describe('domain errors at the HTTP edge', () => {
  it('maps each known code to its status, and nothing else', () => {
    expect(statusOfDomainError(new InsufficientStock('A-01', 0))).toBe(409);
    expect(statusOfDomainError(Object.assign(new Error('no such bin'), { code: 'BinNotFound' }))).toBe(404);
    expect(statusOfDomainError(Object.assign(new Error('bad'), { code: 'InvalidQuantity' }))).toBe(400);
    // Database and system errors carry codes too: they stay 500s.
    expect(statusOfDomainError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeUndefined();
    expect(statusOfDomainError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(statusOfDomainError(Object.assign(new Error('inherited'), { code: 'constructor' }))).toBeUndefined();
    expect(statusOfDomainError({ code: 'InsufficientStock', message: 'not an Error' })).toBeUndefined();
  });

  it('answers with the code, the message and the fields that explain it', () => {
    expect(domainErrorBody(new InsufficientStock('A-01', 3), 409)).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'InsufficientStock',
      message: 'bin A-01 has 3 units',
      bin: 'A-01',
      available: 3,
    });
  });
});
