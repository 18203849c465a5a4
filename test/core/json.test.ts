import { describe, expect, it } from 'vitest';
import { booleanOf, describeJsonType, getIgnoringCase, isJsonObject, keyIgnoringCase, sameValue, setIgnoringCase } from '../../functions/core/json.ts';
import { COMMON_ATTRIBUTES, findAttribute, schemasOf } from '../../functions/core/schemas/index.ts';

const user = [...COMMON_ATTRIBUTES, ...schemasOf('User').core.attributes];
const definition = (name: string) => {
  const found = findAttribute(user, name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
};

describe('core/json', () => {
  it('treats only non-null, non-list objects as objects of attributes', () => {
    expect([{}, { a: 1 }, [], null, 'x', 1].map(isJsonObject)).toEqual([true, true, false, false, false, false]);
  });

  it('finds a property in any case, preferring the exact spelling', () => {
    expect(keyIgnoringCase({ USERNAME: 1, userName: 2 }, 'userName')).toBe('userName');
    expect(getIgnoringCase({ UserName: 'ada' }, 'username')).toBe('ada');
    expect(getIgnoringCase({ constructor: 1 }, 'toString')).toBeUndefined();
  });

  it('writes a property in the given spelling and drops differently-cased copies', () => {
    const object: Record<string, unknown> = { TITLE: 'a', Title: 'b', other: 1 };
    setIgnoringCase(object, 'title', 'c');
    expect(object).toEqual({ other: 1, title: 'c' });
  });

  it('reads booleans also from "True"/"False" in any case, and nothing else', () => {
    expect(['True', ' false ', true, 'yes', 1, null].map(booleanOf)).toEqual([true, false, true, undefined, undefined, undefined]);
  });

  it('names a JSON type without showing the value', () => {
    expect([null, [], {}, 'secret', 3].map(describeJsonType)).toEqual(['null', 'a list', 'an object', 'a string', 'a number']);
  });

  it('compares values as the attribute says: caseExact or not, element by element, by sub-attribute', () => {
    expect(sameValue(definition('userName'), 'Ada', 'ada')).toBe(true);
    expect(sameValue(definition('id'), 'Ab', 'ab')).toBe(false);
    expect(sameValue(definition('emails'), [{ value: 'A@x.test', type: 'work' }], [{ value: 'a@x.test', type: 'WORK' }])).toBe(true);
    expect(sameValue(definition('emails'), [{ value: 'a@x.test' }], [{ value: 'b@x.test' }])).toBe(false);
  });
});
