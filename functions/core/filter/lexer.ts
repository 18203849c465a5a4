/**
 * Splits filter and path text into tokens for the parser.
 *
 * The lexer is context-free: it knows brackets, parentheses, JSON strings and "words". A word
 * is any run of characters other than whitespace, `()[]` and `"`; whether a word is an
 * attribute path, an operator or an unquoted value is the parser's decision, because it
 * depends on where the word stands. That is what lets `externalId eq jyoung` (Microsoft
 * Entra ID sends unquoted values) and `urn:ietf:params:scim:schemas:core:2.0:User:userName`
 * (which holds dots and colons) share one simple token shape.
 */

/** What kind of token a {@link Token} is. */
export type TokenKind = 'word' | 'string' | '(' | ')' | '[' | ']' | 'end';

/** One token, with the 0-based offset where it starts, for error messages. */
export interface Token {
  kind: TokenKind;
  /** The source text of the token (for a string: including its quotes). */
  text: string;
  position: number;
  /** Whether whitespace separates this token from the previous one. */
  spaced: boolean;
  /** The decoded value of a `string` token. */
  value?: string;
}

/** Reports a syntax error; it never returns. */
export type Fail = (detail: string) => never;

/** Whitespace between tokens: RFC 7644 writes SP, and clients also send tabs and newlines. */
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

const PUNCTUATION = new Set<string>(['(', ')', '[', ']']);

/** Characters that end a word. */
function endsWord(char: string): boolean {
  return WHITESPACE.has(char) || PUNCTUATION.has(char) || char === '"';
}

/** Reads a JSON string starting at `start` (RFC 7644 §3.4.2.2: compValue follows RFC 7159). */
function readString(text: string, start: number, fail: Fail): { end: number; value: string } {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') {
      index += 2;
    } else if (char === '"') {
      const literal = text.slice(start, index + 1);
      let value: unknown;
      try {
        value = JSON.parse(literal);
      } catch {
        fail(`Invalid string literal at position ${start}`);
      }
      if (typeof value !== 'string') fail(`Invalid string literal at position ${start}`);
      return { end: index + 1, value };
    } else {
      index += 1;
    }
  }
  return fail(`Unterminated string starting at position ${start}`);
}

/**
 * Turns `text` into tokens, always ending with one `end` token.
 *
 * @param fail - called with a message for malformed input; decides which ScimError is thrown.
 */
export function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let spaced = false;
  while (index < text.length) {
    const char = text[index] ?? '';
    if (WHITESPACE.has(char)) {
      spaced = true;
      index += 1;
      continue;
    }
    const position = index;
    if (PUNCTUATION.has(char)) {
      tokens.push({ kind: char as TokenKind, text: char, position, spaced });
      index += 1;
    } else if (char === '"') {
      const { end, value } = readString(text, index, fail);
      tokens.push({ kind: 'string', text: text.slice(position, end), position, spaced, value });
      index = end;
    } else {
      while (index < text.length && !endsWord(text[index] ?? '')) index += 1;
      tokens.push({ kind: 'word', text: text.slice(position, index), position, spaced });
    }
    spaced = false;
  }
  tokens.push({ kind: 'end', text: '', position: text.length, spaced });
  return tokens;
}

/** Longest piece of token text quoted back in an error message. */
const QUOTED_TEXT_LIMIT = 40;

/**
 * How a token is named in an error message, always with its position. A quoted string is a
 * compared value (often a person's name or address) and is never quoted back; words (attribute
 * paths, operators, brackets) are, shortened.
 */
export function describeToken(token: Token): string {
  if (token.kind === 'end') return `end of input at position ${token.position}`;
  if (token.kind === 'string') return `a quoted string at position ${token.position}`;
  const text = token.text.length > QUOTED_TEXT_LIMIT ? `${token.text.slice(0, QUOTED_TEXT_LIMIT)}…` : token.text;
  return `${JSON.stringify(text)} at position ${token.position}`;
}
