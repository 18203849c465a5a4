/**
 * The one case-folding rule for values compared case-insensitively where uniqueness is at stake
 * (RFC 7643 §2.1 `caseExact: false`: userName, group displayName): Unicode NFC, then lower case.
 * The storage keys its uniqueness claims by it and the service compares claims by it, so the two
 * can never disagree about whether two values collide.
 */
export function foldCase(value: string): string {
  return value.normalize('NFC').toLowerCase();
}
