/**
 * Deleting users and groups, all or nothing from the client's view.
 *
 * A resource goes in one transaction, with its claims, the counters, the request's activity entry
 * and its memberships (a group's members, the groups it belongs to), when they fit: up to
 * {@link MAX_MEMBERSHIPS_WITH_DELETE}. One with more takes more transactions: the delete is first
 * written on the resource item (a `Deletion`), which makes it gone to every client at once, then
 * each membership is ended, then one final transaction deletes the item. Whoever finds a delete under way (a later request for the
 * resource, or the sweeper) completes it the same way, so a request killed at any point
 * converges without the client's retry.
 *
 * Completing is idempotent and safe to run twice at once: each membership is removed only if it
 * is there, and the final transaction applies only while the item still names the delete and no
 * membership is left on it.
 */
import { ScimError } from '../core/error.ts';
import { claimsOf } from './claims.ts';
import type { MembershipPlanner } from './membership-planner.ts';
import { MAX_MEMBERSHIPS_WITH_DELETE, MissingReferenceError, VersionConflictError, type CounterDelta, type Deletion, type ResourceType, type ScimRepository, type StoredResource } from './repository.ts';

/** Rounds of read-then-write one completion makes before giving up (the sweeper tries later). */
const MAX_ROUNDS = 8;

/** Raised when a delete could not be completed within its rounds. */
export class DeletionIncompleteError extends Error {
  override readonly name = 'DeletionIncompleteError';
}

const isActive = (attributes: Record<string, unknown>) => attributes.active !== false;

/** What deleting the resource takes off the directory's counters. */
function countersOf(type: ResourceType, resource: StoredResource): CounterDelta {
  return type === 'User' ? { users: -1, activeUsers: isActive(resource.attributes) ? -1 : 0 } : { groups: -1 };
}

/**
 * The members a group holds, when the resource and all its memberships fit one transaction
 * (an empty list for a user); undefined when they do not. A group stored before member counts
 * were kept never does.
 */
function membersCountedAtOnce(type: ResourceType, resource: StoredResource): number | undefined {
  const members = type === 'User' ? 0 : resource.memberCount;
  if (members === undefined || resource.memberOf.length + members > MAX_MEMBERSHIPS_WITH_DELETE) return undefined;
  return members;
}

/**
 * The answer to a delete that was accepted but whose completion failed (a storage fault, a
 * timeout): true to the letter, since the resource is already gone to clients and the next
 * request for it, or the sweeper, completes the delete.
 */
function acceptedNotCompleted(cause: unknown): ScimError {
  return new ScimError(503, 'The delete was accepted and is being completed; the resource is gone already. Retrying the same request is safe.', undefined, { cause });
}

/**
 * Deletes resources and completes deletes under way, over the storage port.
 *
 * @example
 * await new Deletions(repository, planner).delete(directoryId, 'User', user, { id, opened, stamp });
 */
export class Deletions {
  readonly #repository: ScimRepository;
  readonly #members: MembershipPlanner;
  readonly #now: () => Date;

  constructor(repository: ScimRepository, members: MembershipPlanner, now: () => Date = () => new Date()) {
    this.#repository = repository;
    this.#members = members;
    this.#now = now;
  }

  /**
   * Deletes `resource` as read (at its version): in one transaction when it has no memberships,
   * else by accepting the delete and completing it. VersionConflictError when it changed since
   * it was read; a failure after the delete was accepted answers 503 saying so.
   */
  async delete(directoryId: string, type: ResourceType, resource: StoredResource, deletion: Deletion): Promise<void> {
    const memberCount = membersCountedAtOnce(type, resource);
    if (memberCount !== undefined) {
      // A member added since the group was read moved its version: the transaction then fails.
      const members = memberCount === 0 ? [] : (await this.#repository.listMembers(directoryId, resource.id, { limit: memberCount + 1 })).items;
      const memberships = { groups: resource.memberOf, members };
      await this.#repository.deleteResource(directoryId, type, resource, claimsOf(type, resource.attributes), countersOf(type, resource), deletion.stamp, undefined, memberships);
      return;
    }
    await this.#repository.openDeletion(directoryId, type, resource, deletion);
    try {
      // As the delete left it: it names the delete, one version on.
      await this.complete(directoryId, type, resource.id, { ...resource, version: resource.version + 1, deletion });
    } catch (error) {
      throw acceptedNotCompleted(error);
    }
  }

  /**
   * Completes the delete under way on a resource: ends its memberships, then deletes it. Returns
   * false when none was under way (the resource is there, or gone already). `known` spares the
   * first read (the request that has just accepted the delete).
   */
  async complete(directoryId: string, type: ResourceType, id: string, known?: StoredResource): Promise<boolean> {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const resource = round === 1 && known !== undefined ? known : await this.#repository.getResource(directoryId, type, id);
      const deletion = resource?.deletion;
      if (resource === undefined || deletion === undefined) return round > 1;
      const now = this.#now().toISOString();
      try {
        if (type === 'Group') await this.#members.removeAll(directoryId, id, now);
        for (const groupId of resource.memberOf) {
          await this.#repository
            // A group being deleted, or with a journal open, still lets its members go.
            .changeMemberships(directoryId, groupId, { add: [], remove: [{ id, type }] }, { now, bumpGroupVersion: true, evenIfJournalOpen: true })
            .catch((error: unknown) => {
              // The group went away meanwhile; its own delete took the membership with it.
              if (!(error instanceof MissingReferenceError)) throw error;
            });
        }
        // The item goes if it still names this delete and belongs to no group, with its claims,
        // the counters and the request's activity entry.
        await this.#repository.deleteResource(directoryId, type, { ...resource, memberOf: [] }, claimsOf(type, resource.attributes), countersOf(type, resource), deletion.stamp, deletion.id);
        return true;
      } catch (error) {
        // Another completer ended a membership first, or finished: read again and go on from there.
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
    throw new DeletionIncompleteError(`the delete of ${type} ${id} still had memberships after ${MAX_ROUNDS} rounds`);
  }
}
