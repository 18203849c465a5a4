/**
 * The one case-folding rule for every string value compared without regard to case (RFC 7643
 * §2.2 `caseExact: false`): the uniqueness claims of userName and group displayName, the filter
 * operators `eq`, `ne`, `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le` (RFC 7644 §3.4.2.2), and the
 * equality of two values of an attribute (PATCH). The storage keys its uniqueness claims by it
 * and filters compare by it, so a value refused as a duplicate is always found by `eq`.
 *
 * The rule is Unicode NFC, then the locale-independent lower-case mapping of
 * `String.prototype.toLowerCase`. What that means, on purpose (docs/scim-rules.md):
 * - a value sent in NFD equals the same value in NFC;
 * - no full case folding: `ß` does not equal `ss` (but the capital `ẞ` equals `ß`);
 * - no locale: `İ` folds to `i` + combining dot above, so neither it nor the dotless `ı`
 *   equals `i` or `I`;
 * - no compatibility mapping (NFKC): the full-width `Ａ` does not equal `a`.
 *
 * Changing it would orphan every stored claim key (they are written with it), so a change needs
 * a migration of the claim items.
 */
export function foldCase(value: string): string {
  return value.normalize('NFC').toLowerCase();
}
