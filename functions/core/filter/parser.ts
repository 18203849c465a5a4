/**
 * A recursive-descent parser for the SCIM filter grammar of RFC 7644 §3.4.2.2 (Figure 1):
 *
 * ```
 * FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 * valuePath = attrPath "[" valFilter "]"
 * valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
 * attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 * logExp    = FILTER SP ("and" / "or") SP FILTER
 * attrPath  = [URI ":"] ATTRNAME *1subAttr
 * ```
 *
 * Precedence follows RFC 7644 §3.4.2.2: `not` binds tighter than `and`, which binds tighter
 * than `or`; `and` and `or` group to the left. Operators, `not`/`and`/`or` and the literals
 * `true`/`false`/`null` are matched case-insensitively (RFC 7643 §2.1 makes names
 * case-insensitive, and clients do send `EQ` and `True`).
 */
import { ScimError } from '../error.ts';
import type { AttributeRef, CompareOperator, CompareValue, FilterNode } from './ast.ts';
import { describeToken, tokenize, type Fail, type Token } from './lexer.ts';

/** Longest filter or path accepted, in characters. Longer input is refused before parsing. */
export const MAX_FILTER_LENGTH = 8192;

/** Deepest nesting of parentheses, `not (…)` and value-path brackets accepted. */
export const MAX_FILTER_DEPTH = 50;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
]);

/** `ATTRNAME = ALPHA *(nameChar)`, plus `$ref`, which RFC 7643 §2.4 uses as a sub-attribute name. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;

/** A URI before the attribute name: a scheme, a colon, and something not ending in a colon. */
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.-]*:.*[^:]$/;

/** An RFC 7159 number. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A function that throws the ScimError of the given kind. */
export function failWith(scimType: 'invalidFilter' | 'invalidPath'): Fail {
  return (detail: string): never => {
    throw ScimError.of(scimType, detail);
  };
}

/** Refuses input that is too long to be a real filter or path, before any work is done on it. */
export function checkLength(text: string, what: string, fail: Fail): void {
  if (text.length > MAX_FILTER_LENGTH) fail(`The ${what} is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
}

/**
 * Turns an `attrPath` word into an {@link AttributeRef}.
 *
 * The schema URI itself contains colons and dots (`…:enterprise:2.0:User`), so the attribute
 * name is what follows the last colon, and the sub-attribute what follows the first dot after it.
 */
export function parseAttributeRef(token: Token, fail: Fail): AttributeRef {
  const text = token.text;
  const lastColon = text.lastIndexOf(':');
  const uri = lastColon >= 0 ? text.slice(0, lastColon) : undefined;
  const rest = lastColon >= 0 ? text.slice(lastColon + 1) : text;
  const dot = rest.indexOf('.');
  const attribute = dot >= 0 ? rest.slice(0, dot) : rest;
  const subAttribute = dot >= 0 ? rest.slice(dot + 1) : undefined;
  const where = describeToken(token);
  if (uri !== undefined && !SCHEMA_URI.test(uri)) fail(`Invalid schema URI in attribute path ${where}`);
  if (!ATTRIBUTE_NAME.test(attribute)) fail(`Invalid attribute name in attribute path ${where}`);
  if (subAttribute !== undefined && !ATTRIBUTE_NAME.test(subAttribute)) {
    fail(`Invalid sub-attribute name in attribute path ${where}`);
  }
  const ref: AttributeRef = { attribute };
  if (uri !== undefined) ref.uri = uri;
  if (subAttribute !== undefined) ref.subAttribute = subAttribute;
  return ref;
}

/** Reads a `compValue`: a JSON literal, or the unquoted word Microsoft Entra ID sends for a string. */
function parseCompareValue(token: Token, fail: Fail): CompareValue {
  if (token.kind === 'string') return token.value ?? '';
  if (token.kind !== 'word') return fail(`Expected a comparison value, found ${describeToken(token)}`);
  const lower = token.text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (JSON_NUMBER.test(token.text)) {
    const number = Number(token.text);
    if (!Number.isFinite(number)) fail(`Number out of range ${describeToken(token)}`);
    return number;
  }
  // Entra ID writes `externalId eq jyoung` and unquoted GUIDs; such a word can only be a string.
  return token.text;
}

/**
 * Parses a token stream. One instance parses one input; it is not reusable.
 *
 * Exported for {@link parseAttributePath}, which parses the bracketed part of a PATCH path
 * with the same rules.
 */
export class FilterParser {
  private index = 0;
  private depth = 0;
  /** True while inside `[…]`, where references are relative to an element. */
  private insideValuePath = false;

  private readonly end: Token;

  /** @param tokens - from {@link tokenize}, so the last one is the `end` token. */
  constructor(
    private readonly tokens: readonly Token[],
    private readonly fail: Fail,
  ) {
    this.end = tokens[tokens.length - 1] ?? { kind: 'end', text: '', position: 0, spaced: false };
  }

  /** The next token, without consuming it. */
  peek(): Token {
    return this.tokens[this.index] ?? this.end;
  }

  /** Consumes and returns the next token. */
  next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  /** Consumes a token of the given kind or fails. */
  expect(kind: Token['kind'], what: string): Token {
    const token = this.next();
    if (token.kind !== kind) this.fail(`Expected ${what}, found ${describeToken(token)}`);
    return token;
  }

  /** Parses the bracketed filter of a value path, up to (not including) the closing bracket. */
  parseValueFilter(): FilterNode {
    this.enter(this.peek());
    this.insideValuePath = true;
    const filter = this.parseOr();
    this.insideValuePath = false;
    this.depth -= 1;
    return filter;
  }

  /** `FILTER`: or-expressions of and-expressions, left-associative. */
  parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'logical', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      left = { kind: 'logical', op: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    const token = this.next();
    if (token.kind === '(') {
      this.enter(token);
      const inner = this.parseOr();
      this.expect(')', `")" to close "(" at position ${token.position}`);
      this.depth -= 1;
      return inner;
    }
    if (token.kind !== 'word') return this.fail(`Expected an attribute path, "(" or "not", found ${describeToken(token)}`);
    // A word `not` is the operator only when a parenthesis follows; otherwise it names an attribute.
    if (this.isKeyword(token, 'not') && this.peek().kind === '(') {
      const open = this.next();
      this.enter(open);
      const filter = this.parseOr();
      this.expect(')', `")" to close "not (" at position ${open.position}`);
      this.depth -= 1;
      return { kind: 'not', filter };
    }
    return this.parseAttributeExpression(token);
  }

  /** `attrExp` or `valuePath`, starting at the attribute path word. */
  private parseAttributeExpression(pathToken: Token): FilterNode {
    const path = parseAttributeRef(pathToken, this.fail);
    if (this.insideValuePath && (path.uri !== undefined || path.subAttribute !== undefined)) {
      this.fail(`Inside a value filter, name the sub-attribute alone: ${describeToken(pathToken)}`);
    }
    if (this.peek().kind === '[') {
      const open = this.next();
      if (this.insideValuePath) this.fail(`Value filters cannot be nested: "[" at position ${open.position}`);
      if (path.subAttribute !== undefined) this.fail(`A value filter applies to an attribute, not a sub-attribute: "[" at position ${open.position}`);
      const filter = this.parseValueFilter();
      this.expect(']', `"]" to close "[" at position ${open.position}`);
      const after = this.peek();
      if (after.kind === 'word' && !after.spaced && after.text.startsWith('.')) {
        return { kind: 'valuePath', path, filter: { kind: 'logical', op: 'and', left: filter, right: this.parseElementComparison(this.next()) } };
      }
      return { kind: 'valuePath', path, filter };
    }
    const operator = this.next();
    const op = operator.kind === 'word' ? operator.text.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', path };
    if (COMPARE_OPERATORS.has(op)) {
      const value = parseCompareValue(this.next(), this.fail);
      return { kind: 'compare', op: op as CompareOperator, path, value };
    }
    const hint = this.isKeyword(pathToken, 'not') ? ' ("not" must be followed by a parenthesised filter)' : '';
    return this.fail(`Expected an operator after ${describeToken(pathToken)}, found ${describeToken(operator)}${hint}`);
  }

  /**
   * `emails[type eq "work"].value eq "x"`: not in RFC 7644's grammar, but Microsoft Entra ID sends it
   * when a user is matched on `emails[type eq "work"].value`. It means "some work email has value
   * x", so it is read as `emails[type eq "work" and value eq "x"]`.
   */
  private parseElementComparison(subToken: Token): FilterNode {
    const attribute = subToken.text.slice(1);
    if (!ATTRIBUTE_NAME.test(attribute)) this.fail(`Invalid sub-attribute after "]": ${describeToken(subToken)}`);
    const operator = this.next();
    const op = operator.kind === 'word' ? operator.text.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', path: { attribute } };
    if (!COMPARE_OPERATORS.has(op)) this.fail(`Expected an operator after ${describeToken(subToken)}, found ${describeToken(operator)}`);
    return { kind: 'compare', op: op as CompareOperator, path: { attribute }, value: parseCompareValue(this.next(), this.fail) };
  }

  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > MAX_FILTER_DEPTH) this.fail(`Filter nested deeper than ${MAX_FILTER_DEPTH} levels at position ${token.position}`);
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) into a {@link FilterNode}.
 *
 * @throws ScimError `invalidFilter` (400) for malformed input, naming the 0-based position of
 *   the offending token; also for input over {@link MAX_FILTER_LENGTH} characters or nested
 *   deeper than {@link MAX_FILTER_DEPTH}.
 * @example
 * parseFilter('userName eq "bjensen"');
 * // { kind: 'compare', op: 'eq', path: { attribute: 'userName' }, value: 'bjensen' }
 */
export function parseFilter(text: string): FilterNode {
  const fail = failWith('invalidFilter');
  checkLength(text, 'filter', fail);
  const parser = new FilterParser(tokenize(text, fail), fail);
  const filter = parser.parseOr();
  const rest = parser.peek();
  if (rest.kind !== 'end') fail(`Expected "and", "or" or the end of the filter, found ${describeToken(rest)}`);
  return filter;
}
