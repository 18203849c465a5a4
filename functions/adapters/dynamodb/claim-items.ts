/**
 * Claim items of the SCIM repository: the uniqueness claims (userName, a group's displayName),
 * taken and given up with conditions, and the externalId indexes (users', groups'), which name
 * every holder in a string set.
 */
import { isUniqueClaim, UniquenessConflictError, VersionConflictError, type Claim } from '../../service/repository.ts';
import { keys } from './keys.ts';
import type { ItemRole, Key, TaggedItem } from './table-writes.ts';

/** The key of a claim's item. */
export function claimKey(directoryId: string, claim: Claim): Key {
  switch (claim.kind) {
    case 'userName':
      return keys.userNameClaim(directoryId, claim.value);
    case 'externalId':
      return keys.externalIdClaim(directoryId, claim.value);
    case 'groupName':
      return keys.groupNameClaim(directoryId, claim.value);
    case 'groupExternalId':
      return keys.groupExternalIdClaim(directoryId, claim.value);
  }
}

/** An index claim's part of a transaction: the holder added to (or removed from) the item's set. */
function indexUpdate(tableName: string, directoryId: string, claim: Claim, resourceId: string, action: 'ADD' | 'DELETE'): TaggedItem {
  return {
    role: { kind: 'claim', claim },
    item: {
      Update: {
        TableName: tableName,
        Key: claimKey(directoryId, claim),
        UpdateExpression: `${action} resourceIds :self`,
        ExpressionAttributeValues: { ':self': new Set([resourceId]) },
      },
    },
  };
}

/** Takes a claim for `resourceId`: a unique one only if nobody else holds it. */
export function putClaim(tableName: string, directoryId: string, claim: Claim, resourceId: string): TaggedItem {
  if (!isUniqueClaim(claim)) return indexUpdate(tableName, directoryId, claim, resourceId, 'ADD');
  return {
    role: { kind: 'claim', claim },
    item: {
      Put: {
        TableName: tableName,
        Item: { ...claimKey(directoryId, claim), resourceId },
        ConditionExpression: 'attribute_not_exists(pk) OR resourceId = :self',
        ExpressionAttributeValues: { ':self': resourceId },
      },
    },
  };
}

/** Gives up a claim of `resourceId`. */
export function deleteClaim(tableName: string, directoryId: string, claim: Claim, resourceId: string): TaggedItem {
  // An index item stays when its last holder leaves (DynamoDB cannot delete it only when the set
  // empties); it then names nobody, and the next holder reuses it.
  if (!isUniqueClaim(claim)) return indexUpdate(tableName, directoryId, claim, resourceId, 'DELETE');
  return {
    role: { kind: 'claim', claim },
    item: {
      Delete: {
        TableName: tableName,
        Key: claimKey(directoryId, claim),
        ConditionExpression: 'attribute_not_exists(pk) OR resourceId = :self',
        ExpressionAttributeValues: { ':self': resourceId },
      },
    },
  };
}

/** A taken claim is a uniqueness conflict; any other failed condition, a concurrent change. */
export function explainClaimFailure(failed: ItemRole[]): Error {
  const taken = failed.find((role) => role.kind === 'claim');
  return taken?.kind === 'claim' ? new UniquenessConflictError(taken.claim) : new VersionConflictError();
}
