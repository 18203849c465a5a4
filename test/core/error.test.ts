import { describe, expect, it } from 'vitest';
import { ERROR_SCHEMA, isScimError, SCIM_TYPE_STATUS, ScimError, type ScimType } from '../../functions/core/error.ts';

describe('ScimError', () => {
  it.each(Object.entries(SCIM_TYPE_STATUS) as Array<[ScimType, number]>)('pairs %s with %i and renders the RFC 7644 §3.12 body', (scimType, status) => {
    const error = ScimError.of(scimType, 'detail text');
    expect(error.status).toBe(status);
    expect(error.toBody()).toEqual({ schemas: [ERROR_SCHEMA], status: String(status), scimType, detail: 'detail text' });
  });

  it('omits scimType for statuses that have none', () => {
    expect(new ScimError(404, 'User 1 not found').toBody()).toEqual({ schemas: [ERROR_SCHEMA], status: '404', detail: 'User 1 not found' });
  });

  it('refuses a scimType with a status RFC 7644 does not pair it with', () => {
    expect(() => new ScimError(404, 'x', 'uniqueness')).toThrow(TypeError);
  });

  it('keeps its cause and is recognised across module copies', () => {
    const cause = new Error('root');
    const error = ScimError.of('invalidValue', 'bad', { cause });
    expect(error.cause).toBe(cause);
    expect(isScimError(error)).toBe(true);
    const lookalike = Object.assign(new Error('x'), { name: 'ScimError', status: 400 });
    expect(isScimError(lookalike)).toBe(true);
    expect(isScimError(new Error('x'))).toBe(false);
  });
});
