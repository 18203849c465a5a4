/**
 * Uniqueness claims: the values at most one resource of a directory may hold (userName and
 * externalId of users, displayName of groups), how they are compared, and how a change of
 * attributes changes them.
 */
import { foldCase } from '../core/case-fold.ts';
import type { Claim, ResourceType } from './repository.ts';

/** Longest uniqueness value (userName, externalId, displayName) in UTF-8 bytes; DynamoDB sort keys stop at 1,024. */
export const MAX_UNIQUE_VALUE_BYTES = 512;

/** The claims a resource with these attributes holds. An empty externalId claims nothing. */
export function claimsOf(type: ResourceType, attributes: Record<string, unknown>): Claim[] {
  if (type === 'Group') {
    const claims: Claim[] = [];
    if (typeof attributes.displayName === 'string') claims.push({ kind: 'groupName', value: attributes.displayName });
    if (typeof attributes.externalId === 'string' && attributes.externalId !== '') claims.push({ kind: 'groupExternalId', value: attributes.externalId });
    return claims;
  }
  const claims: Claim[] = [];
  if (typeof attributes.userName === 'string') claims.push({ kind: 'userName', value: attributes.userName });
  if (typeof attributes.externalId === 'string' && attributes.externalId !== '') {
    claims.push({ kind: 'externalId', value: attributes.externalId });
  }
  return claims;
}

/** The SCIM attribute a claim stands for, for error details. */
export function claimedAttribute(claim: Claim): string {
  if (claim.kind === 'groupName') return 'displayName';
  return claim.kind === 'groupExternalId' ? 'externalId' : claim.kind;
}

/** The value a claim is unique by: userName and group names case-folded, externalId exactly. */
export function claimedValue(claim: Claim): string {
  return claim.kind === 'externalId' || claim.kind === 'groupExternalId' ? claim.value : foldCase(claim.value);
}

/** True when the claim's value is short enough to be a key; a longer one can be neither stored nor found. */
export function isKeyable(claim: Claim): boolean {
  return Buffer.byteLength(claimedValue(claim)) <= MAX_UNIQUE_VALUE_BYTES;
}

function claimKey(claim: Claim): string {
  return `${claim.kind}:${claimedValue(claim)}`;
}

/** The claims to take and to give up when a resource's claims go from `before` to `after`. */
export function claimChanges(before: Claim[], after: Claim[]): { add: Claim[]; remove: Claim[] } {
  const beforeKeys = new Set(before.map(claimKey));
  const afterKeys = new Set(after.map(claimKey));
  return {
    add: after.filter((claim) => !beforeKeys.has(claimKey(claim))),
    remove: before.filter((claim) => !afterKeys.has(claimKey(claim))),
  };
}
