/**
 * The `path` of a PATCH operation (RFC 7644 §3.5.2):
 *
 * ```
 * PATH = attrPath / valuePath [subAttr]
 * ```
 *
 * e.g. `name.givenName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
 */
import type { AttributePath } from './ast.ts';
import { describeToken, tokenize } from './lexer.ts';
import { FilterParser, checkLength, failWith, parseAttributeRef } from './parser.ts';

const SUB_ATTRIBUTE = /^\.(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;

/**
 * Parses a PATCH `path`.
 *
 * Whitespace is allowed only inside the brackets. The path always names an attribute: a path
 * that is a bare schema URN (some clients send the extension URN to replace the whole
 * extension object) reads as URI + attribute, with the URN's last segment as `attribute`,
 * so callers that accept such paths must check for known schema URNs first.
 *
 * @throws ScimError `invalidPath` (400) for malformed input, naming the 0-based position.
 * @example
 * parseAttributePath('emails[type eq "work"].value');
 * // { attribute: 'emails', valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'type' }, value: 'work' }, subAttribute: 'value' }
 */
export function parseAttributePath(text: string): AttributePath {
  const fail = failWith('invalidPath');
  checkLength(text, 'path', fail);
  const parser = new FilterParser(tokenize(text, fail), fail);
  const first = parser.next();
  if (first.kind !== 'word') return fail(`Expected an attribute path, found ${describeToken(first)}`);
  const path: AttributePath = { ...parseAttributeRef(first, fail) };

  const open = parser.peek();
  if (open.kind === '[' && !open.spaced) {
    parser.next();
    if (path.subAttribute !== undefined) {
      fail(`A value filter applies to an attribute, not a sub-attribute: "[" at position ${open.position}`);
    }
    path.valueFilter = parser.parseValueFilter();
    parser.expect(']', `"]" to close "[" at position ${open.position}`);
    const sub = parser.peek();
    if (sub.kind === 'word' && !sub.spaced) {
      parser.next();
      if (!SUB_ATTRIBUTE.test(sub.text)) fail(`Expected "." and a sub-attribute name, found ${describeToken(sub)}`);
      path.subAttribute = sub.text.slice(1);
    }
  }

  const rest = parser.peek();
  if (rest.kind !== 'end') fail(`Unexpected ${describeToken(rest)} in path`);
  return path;
}
