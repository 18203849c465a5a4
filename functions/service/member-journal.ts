/**
 * Completing member journals: a group member change too large for one transaction is written
 * down whole first (a `MemberJournal`), then applied in chunks, then closed by one transaction
 * that also moves the group's version. Whoever finds a journal open (the request that opened
 * it, any later request that reads the group, or the sweeper) completes it the same way, so that
 * a request killed at any point converges without the client's retry.
 *
 * Completing is idempotent and safe to run twice at once: each chunk adds a member only if it is
 * not a member, removes one only if it is (the write's conditions), and applies only while the
 * journal is open. A member deleted meanwhile is skipped, as it would have been had it been
 * deleted right after the request; one already in as many groups as a member may be is skipped
 * likewise (docs/reliability.md says so).
 */
import type { RequestStamp } from '../activity/entries.ts';
import { ScimError } from '../core/error.ts';
import { Deletions } from './deletions.ts';
import { MembershipPlanner, type MemberChanges } from './membership-planner.ts';
import {
  JournalClosedError,
  MissingReferenceError,
  TooManyGroupsError,
  VersionConflictError,
  type MemberJournal,
  type MemberRef,
  type OpenJournal,
  type ResourceType,
  type ScimRepository,
  type StoredResource,
} from './repository.ts';

/** Rounds of read-then-write one completion makes before giving up (each round writes what is left). */
const MAX_ROUNDS = 8;
/** A journal open this long is presumed abandoned by its request; the sweeper completes it. */
export const ABANDONED_AFTER_MS = 60_000;
/**
 * Journals one sweep completes at most; the next sweep, a minute later, takes the rest. A
 * journal of 5,000 changes takes about 100 transactions: ten fit well within the sweeper's time.
 */
export const JOURNALS_PER_SWEEP = 10;

/** What one sweep did. */
export interface SweepReport {
  completed: number;
  failed: number;
}

/** Raised when a journal could not be completed within its rounds (the sweeper tries again later). */
export class JournalIncompleteError extends Error {
  override readonly name = 'JournalIncompleteError';
}

/**
 * The journal of a member change too large for one transaction, opened by a request now: `stamp`
 * is the request's (recorded when the journal closes), or just the time when it has none.
 */
export function newMemberJournal(id: string, groupId: string, changes: MemberChanges, stamp: RequestStamp | string): MemberJournal {
  const opened = typeof stamp === 'string' ? stamp : stamp.at;
  return { id, groupId, opened, add: changes.add, remove: changes.remove, ...(typeof stamp === 'string' ? {} : { stamp }) };
}

/**
 * The answer to a request whose journal was written but whose completion failed (a storage
 * fault, a timeout): true to the letter, since the journal is completed by the next request that
 * reads the group or by the sweeper, and a retry of the same request then finds nothing to change.
 */
function acceptedNotCompleted(cause: unknown): ScimError {
  return new ScimError(503, 'The change was accepted and is being completed; the group shows it within a few minutes. Retrying the same request is safe.', undefined, { cause });
}

/**
 * Completes open member journals over the storage port.
 *
 * @example
 * await new MemberJournals(repository).complete(directoryId, groupId);
 */
export class MemberJournals {
  readonly #repository: ScimRepository;
  readonly #now: () => Date;
  readonly #deletions: Deletions;

  constructor(repository: ScimRepository, now: () => Date = () => new Date()) {
    this.#repository = repository;
    this.#now = now;
    this.#deletions = new Deletions(repository, new MembershipPlanner(repository), now);
  }

  /**
   * Applies what is left of the journal open on a group, then closes it. `journal` spares its
   * read; with `planned`, its changes were read just now (by the request that opened it), so the
   * first round writes them without reading again. Returns false when no journal was open.
   */
  async complete(directoryId: string, groupId: string, options: { journal?: MemberJournal; planned?: boolean } = {}): Promise<boolean> {
    const journal = options.journal ?? (await this.#repository.getMemberJournal(directoryId, groupId));
    if (journal === undefined) return false;
    const skipped = new Set<string>();
    let pending: { add: MemberRef[]; remove: MemberRef[] } | undefined = options.planned === true ? { add: journal.add, remove: journal.remove } : undefined;
    for (let round = 1; ; round++) {
      pending ??= await this.#pending(directoryId, journal, skipped);
      if (pending.add.length + pending.remove.length === 0) break;
      if (round > MAX_ROUNDS) throw new JournalIncompleteError(`member journal of group ${groupId} still had changes after ${MAX_ROUNDS} rounds`);
      try {
        await this.#repository.changeMemberships(directoryId, groupId, pending, { now: this.#now().toISOString(), bumpGroupVersion: true, journalId: journal.id });
        break;
      } catch (error) {
        if (error instanceof JournalClosedError) return true;
        // Forward is impossible for these members: skip them, as the request would have.
        if (error instanceof TooManyGroupsError) for (const id of error.ids) skipped.add(id);
        else if (!(error instanceof MissingReferenceError || error instanceof VersionConflictError)) throw error;
        // Some memberships changed since they were read: read what is left and write that.
        pending = undefined;
      }
    }
    await this.#repository.closeMemberJournal(directoryId, journal, this.#now().toISOString());
    return true;
  }

  /**
   * Completes the journal a request has just opened (its changes as planned), and reads the group
   * as it left it. Past the journal's write, a failure no longer means "not applied": it answers
   * a 503 saying the change was accepted.
   */
  async completeOpened(directoryId: string, group: StoredResource, journal: MemberJournal): Promise<StoredResource> {
    try {
      await this.complete(directoryId, group.id, { journal, planned: true });
      return (await this.#repository.getResource(directoryId, 'Group', group.id)) ?? group;
    } catch (error) {
      throw acceptedNotCompleted(error);
    }
  }

  /**
   * Completes journals, and deletes under way (deletions.ts), left open longer than
   * {@link ABANDONED_AFTER_MS}, oldest first, at most {@link JOURNALS_PER_SWEEP}. One that cannot
   * be completed now is reported and left for the next sweep; the others go on.
   */
  async sweep(options: { onFailure?: (journal: OpenJournal, error: unknown) => void } = {}): Promise<SweepReport> {
    const before = new Date(this.#now().getTime() - ABANDONED_AFTER_MS).toISOString();
    const open = await this.#repository.listOpenJournals(before, JOURNALS_PER_SWEEP);
    const report: SweepReport = { completed: 0, failed: 0 };
    for (const journal of open) {
      try {
        const completed =
          journal.kind === 'members' ? await this.complete(journal.directoryId, journal.groupId) : await this.#deletions.complete(journal.directoryId, journal.type, journal.id);
        if (completed) report.completed++;
      } catch (error) {
        report.failed++;
        options.onFailure?.(journal, error);
      }
    }
    return report;
  }

  /**
   * What of the journal is not applied yet, read now: members to add that exist and are not in
   * the group, members to remove that are (each with the type it is stored as).
   */
  async #pending(directoryId: string, journal: MemberJournal, skipped: Set<string>): Promise<{ add: MemberRef[]; remove: MemberRef[] }> {
    const adds = journal.add.filter((member) => !skipped.has(member.id));
    const { resolved, memberships } = await this.#repository.inspectMembers(directoryId, journal.groupId, {
      candidates: adds.map((member) => member.id),
      typeHints: new Map<string, ResourceType>(adds.map((member) => [member.id, member.type])),
      memberIds: [...adds, ...journal.remove].map((member) => member.id),
    });
    return {
      add: adds.filter((member) => resolved.has(member.id) && !memberships.has(member.id)),
      remove: journal.remove.flatMap((member) => {
        const type = memberships.get(member.id);
        return type === undefined ? [] : [{ id: member.id, type }];
      }),
    };
  }
}
