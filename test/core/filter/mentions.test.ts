import { describe, expect, it } from 'vitest';
import { mentionsAttribute, parseFilter } from '../../../functions/core/filter/index.ts';

describe('mentionsAttribute', () => {
  it.each([
    ['members[value eq "42"]', true],
    ['MEMBERS.value eq "42"', true],
    ['displayName eq "eng" and not (members pr)', true],
    ['displayName eq "eng" or externalId eq "x"', false],
    ['urn:ietf:params:scim:schemas:core:2.0:Group:members.value eq "1"', true],
    ['displayName eq "members"', false],
  ])('%s → %s', (filter, expected) => {
    expect(mentionsAttribute(parseFilter(filter), 'members')).toBe(expected);
  });
});
