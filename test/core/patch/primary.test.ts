/**
 * RFC 7643 §2.4 / RFC 7644 §3.5.2: at most one primary value, and a newly added primary demotes
 * the others, also when the client re-sends the current primary without its flag.
 */
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../functions/core/patch-op.ts';
import { parseResourceInput } from '../../../functions/core/resource.ts';
import { scimErrorOf } from '../../support/scim-errors.ts';
import { USER_SCHEMA } from '../../support/urns.ts';

const user = {
  schemas: [USER_SCHEMA],
  userName: 'bob',
  emails: [{ value: 'b1@example.com', type: 'work', primary: true }],
};

describe('primary values', () => {
  it('lets an added primary value demote the current one that the same operation re-sends', () => {
    const patched = applyPatch('User', user, [
      { op: 'add', path: 'emails', value: [{ value: 'b2@example.com', primary: true }, { value: 'b1@example.com', type: 'work' }] },
    ]);
    expect(patched.emails).toEqual([
      { value: 'b1@example.com', type: 'work', primary: false },
      { value: 'b2@example.com', primary: true },
    ]);
  });

  it('refuses two primary values in one POST body', () => {
    const error = scimErrorOf(() =>
      parseResourceInput('User', { schemas: [USER_SCHEMA], userName: 'x', emails: [{ value: 'a@b.c', primary: true }, { value: 'd@e.f', primary: 'True' }] }),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});
