/**
 * Entra ID's matching filter on a value path's sub-attribute, outside RFC 7644's grammar.
 */
import { describe, expect, it } from 'vitest';
import { evaluateFilter, parseFilter } from '../../../functions/core/filter/index.ts';
import { resolveAttribute } from '../../../functions/core/schemas/index.ts';
import { USER_SCHEMA } from '../../support/urns.ts';

const context = { resolve: (ref: Parameters<typeof resolveAttribute>[1], parent?: Parameters<typeof resolveAttribute>[2]) => resolveAttribute('User', ref, parent), coreSchema: USER_SCHEMA };
const user = { schemas: [USER_SCHEMA], userName: 'ada', emails: [{ type: 'home', value: 'ada@home.test' }, { type: 'work', value: 'Ada@Work.test' }] };

describe('emails[type eq "work"].value eq "…"', () => {
  it('reads as a value filter over both conditions', () => {
    expect(parseFilter('emails[type eq "work"].value eq "x"')).toEqual(parseFilter('emails[type eq "work" and value eq "x"]'));
  });

  it.each([
    ['emails[type eq "work"].value eq "ada@work.test"', true],
    ['emails[type eq "work"].value eq "ada@home.test"', false],
    ['emails[type eq "home"].value pr', true],
    ['emails[type eq "work"].value sw "ada@" and userName eq "ada"', true],
  ])('%s → %s', (filter, expected) => {
    expect(evaluateFilter(parseFilter(filter), user, context)).toBe(expected);
  });

  it('still refuses a spaced or malformed tail', () => {
    expect(() => parseFilter('emails[type eq "work"] .value eq "x"')).toThrow();
    expect(() => parseFilter('emails[type eq "work"].value')).toThrow();
    expect(() => parseFilter('emails[type eq "work"].9x eq "y"')).toThrow();
  });
});
