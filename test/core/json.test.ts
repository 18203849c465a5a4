import { describe, expect, it } from 'vitest';
import {
  booleanOf,
  describeJsonType,
  getIgnoringCase,
  isJsonObject,
  jsonTextTooDeep,
  jsonValueTooDeep,
  keyIgnoringCase,
  MAX_JSON_DEPTH,
  sameValue,
  setIgnoringCase,
} from '../../functions/core/json.ts';
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

  it('measures nesting in text without parsing it, ignoring brackets inside strings', () => {
    expect(jsonTextTooDeep('[[1]]', 2)).toBe(false);
    expect(jsonTextTooDeep('[[[1]]]', 2)).toBe(true);
    expect(jsonTextTooDeep('{"a":{"b":[]}}', 2)).toBe(true);
    expect(jsonTextTooDeep('[{"a":"[[[[{{{{"}]', 2)).toBe(false);
    expect(jsonTextTooDeep('["\\"", "\\\\", [[1]]]', 2)).toBe(true);
    expect(jsonTextTooDeep('["\\"[[[["]', 2)).toBe(false);
    expect(jsonTextTooDeep(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe(false);
    expect(jsonTextTooDeep(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBe(true);
  });

  it('measures nesting of a parsed value of any depth without recursing', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = level % 2 === 0 ? [deep] : { a: deep };
    expect(jsonValueTooDeep(deep)).toBe(true);
    expect(jsonValueTooDeep({ a: [{ b: 'c' }] }, 3)).toBe(false);
    expect(jsonValueTooDeep({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(jsonValueTooDeep('[[[[["not parsed"]]]]]', 1)).toBe(false);
  });
});
