import { describe, expect, it } from 'vitest';
import { tokenize, type Fail } from '../../../functions/core/filter/lexer.ts';

const fail: Fail = (detail) => {
  throw new Error(detail);
};

describe('tokenize', () => {
  it('splits words, strings and brackets, with positions and spacing', () => {
    expect(tokenize('emails[type eq "a b"] or\tnot(x pr)', fail).map(({ kind, text, position, spaced }) => [kind, text, position, spaced])).toEqual([
      ['word', 'emails', 0, false],
      ['[', '[', 6, false],
      ['word', 'type', 7, false],
      ['word', 'eq', 12, true],
      ['string', '"a b"', 15, true],
      [']', ']', 20, false],
      ['word', 'or', 22, true],
      ['word', 'not', 25, true],
      ['(', '(', 28, false],
      ['word', 'x', 29, false],
      ['word', 'pr', 31, true],
      [')', ')', 33, false],
      ['end', '', 34, false],
    ]);
  });

  it('keeps URNs, dotted paths and unquoted values whole', () => {
    const words = tokenize('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq 2819c223-7f76 x@y.z', fail);
    expect(words.map((token) => token.text)).toEqual([
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      'eq',
      '2819c223-7f76',
      'x@y.z',
      '',
    ]);
  });

  it('decodes JSON string escapes', () => {
    expect(tokenize('"a\\"b\\\\c\\u00e9\\n"', fail)[0]?.value).toBe('a"b\\cé\n');
  });

  it.each([
    ['"abc', /Unterminated string starting at position 0/],
    ['x "a\\', /Unterminated string starting at position 2/],
    ['"\\q"', /Invalid string literal at position 0/],
  ])('reports %s', (text, message) => {
    expect(() => tokenize(text, fail)).toThrow(message);
  });
});
