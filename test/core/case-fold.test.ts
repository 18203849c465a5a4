/**
 * The one case rule (functions/core/case-fold.ts): what it equates, and that filters and value
 * equality apply it exactly as the uniqueness claims do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldCase } from '../../functions/core/case-fold.ts';
import { evaluateFilter, parseFilter, type FilterContext } from '../../functions/core/filter/index.ts';
import { sameValue } from '../../functions/core/json.ts';
import { findAttribute, resolveAttribute, schemasOf, USER_SCHEMA } from '../../functions/core/schemas/index.ts';

const users: FilterContext = { coreSchema: USER_SCHEMA, resolve: (ref, parent) => resolveAttribute('User', ref, parent) };
const userName = findAttribute(schemasOf('User').core.attributes, 'userName');
if (userName === undefined) throw new Error('userName is defined by the User schema');

const NFD_AMELIE = 'Ame\u0301lie';
const NFC_AMELIE = 'Am\u00e9lie';

function matches(filter: string, resource: Record<string, unknown>): boolean {
  return evaluateFilter(parseFilter(filter), resource, users);
}

describe('foldCase: the rule, case by case', () => {
  it.each<[string, string, boolean, string]>([
    [NFD_AMELIE, 'AM\u00c9LIE', true, 'NFD equals NFC, in any case'],
    ['STRA\u1e9eE', 'stra\u00dfe', true, 'the capital sharp s lowers to ß'],
    ['STRASSE', 'stra\u00dfe', false, 'no full case folding: ß is not ss'],
    ['\u0130stanbul', 'istanbul', false, 'no locale: İ lowers to i + combining dot above'],
    ['\u0131zmir', 'izmir', false, 'the dotless ı is its own letter'],
    ['Izmir', 'izmir', true, 'I lowers to i'],
    ['\uff21\uff24\uff21', 'ada', false, 'no NFKC: full-width letters stay full-width'],
    ['\uff21\uff24\uff21', '\uff41\uff44\uff41', true, 'full-width letters still fold case among themselves'],
  ])('%s vs %s: %s (%s)', (a, b, equal) => {
    expect(foldCase(a) === foldCase(b)).toBe(equal);
  });
});

describe('filters and value equality use the same rule', () => {
  it.each<[string, string]>([
    [NFD_AMELIE, `userName eq "${NFC_AMELIE.toUpperCase()}"`],
    [NFC_AMELIE, `userName eq "${NFD_AMELIE}"`],
    [NFD_AMELIE, `userName co "\u00e9l"`],
    [NFD_AMELIE, `userName sw "AM\u00c9"`],
    [NFD_AMELIE, `userName ew "\u00c9LIE"`],
    ['STRA\u1e9eE', 'userName eq "stra\u00dfe"'],
  ])('%s matches %s', (stored, filter) => {
    expect(matches(filter, { userName: stored })).toBe(true);
    expect(matches(filter.replace(/ (eq|co|sw|ew) /, ' ne '), { userName: stored })).toBe(filter.includes(' eq ') ? false : true);
  });

  it('orders caseExact=false strings by their folded form', () => {
    // Compared unnormalised, the NFD "e" + accent would sort before the NFC "é" the filter names.
    expect(matches(`userName gt "am\u00e9"`, { userName: `${NFD_AMELIE}` })).toBe(true);
    expect(matches(`userName lt "AM\u00c9LIF"`, { userName: NFD_AMELIE })).toBe(true);
  });

  it('keeps ß, İ and full-width forms apart in filters as uniqueness does', () => {
    expect(matches('userName eq "STRASSE"', { userName: 'stra\u00dfe' })).toBe(false);
    expect(matches('userName eq "istanbul"', { userName: '\u0130stanbul' })).toBe(false);
    expect(matches('userName eq "ada"', { userName: '\uff21\uff24\uff21' })).toBe(false);
  });

  it('compares two values of a caseExact=false attribute by the fold', () => {
    expect(sameValue(userName, NFD_AMELIE, NFC_AMELIE.toUpperCase())).toBe(true);
    expect(sameValue(userName, 'STRASSE', 'stra\u00dfe')).toBe(false);
  });

  it('never lets a folded-equal value escape eq (property)', () => {
    // Variants a client could send for the same name: other normal forms, other letter case.
    const variant = fc.tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom<'NFC' | 'NFD' | 'NFKC' | 'NFKD'>('NFC', 'NFD', 'NFKC', 'NFKD'), fc.constantFrom('upper', 'lower', 'same'));
    fc.assert(
      fc.property(variant, ([stored, form, letterCase]) => {
        let sent = stored.normalize(form);
        if (letterCase === 'upper') sent = sent.toUpperCase();
        if (letterCase === 'lower') sent = sent.toLowerCase();
        fc.pre(foldCase(sent) === foldCase(stored) && !/["\\\p{Cc}]/u.test(sent));
        expect(matches(`userName eq ${JSON.stringify(sent)}`, { userName: stored })).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
