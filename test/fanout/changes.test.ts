import { describe, expect, it } from 'vitest';
import { diffAttributes, withoutAttributes } from '../../functions/fanout/changes.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('diffAttributes', () => {
  it.each([
    ['nothing changed', { userName: 'a', name: { givenName: 'A' } }, { name: { givenName: 'A' }, userName: 'a' }, [], {}],
    ['a simple attribute', { displayName: 'A' }, { displayName: 'B' }, ['displayName'], { displayName: 'A' }],
    ['a sub-attribute, reported as its complex parent', { name: { givenName: 'A', familyName: 'Z' } }, { name: { givenName: 'B', familyName: 'Z' } }, ['name'], { name: { givenName: 'A', familyName: 'Z' } }],
    ['an attribute set for the first time (no previous value)', {}, { title: 'Dr' }, ['title'], {}],
    ['an attribute removed', { title: 'Dr' }, {}, ['title'], { title: 'Dr' }],
    ['a multi-valued attribute', { emails: [{ value: 'a@x' }] }, { emails: [{ value: 'b@x' }] }, ['emails'], { emails: [{ value: 'a@x' }] }],
    ['an extension attribute, named with its URN', { [ENTERPRISE]: { department: 'R', costCenter: '1' } }, { [ENTERPRISE]: { department: 'S', costCenter: '1' } }, [`${ENTERPRISE}:department`], { [`${ENTERPRISE}:department`]: 'R' }],
    ['an extension added whole', {}, { [ENTERPRISE]: { department: 'S' } }, [`${ENTERPRISE}:department`], {}],
    ['several, sorted by name', { title: 'a', active: true, displayName: 'x' }, { title: 'b', active: false, displayName: 'y' }, ['active', 'displayName', 'title'], { active: true, displayName: 'x', title: 'a' }],
  ])('reports %s', (_, before, after, names, previous) => {
    expect(diffAttributes(before, after)).toEqual({ changedAttributes: names, previous });
  });

  it('drops names on request', () => {
    const diff = diffAttributes({ active: true, title: 'a' }, { active: false, title: 'b' });
    expect(withoutAttributes(diff, ['active'])).toEqual({ changedAttributes: ['title'], previous: { title: 'a' } });
  });
});
