/**
 * Group membership for the directory service: folding PATCH and PUT membership steps into the
 * members to add and remove, checking that new members exist in the directory, and reading or
 * removing a group's members page by page.
 */
import { ScimError } from '../core/error.ts';
import type { MembershipStep } from '../core/patch-op.ts';
import { isPlausibleId, type ScimContext } from './context.ts';
import { drainPages, forEachPage } from './read-pages.ts';
import type { MemberRef, ResourceType, ScimRepository } from './repository.ts';

/** Most members one request may add or remove; keeps a request well inside API Gateway's 29 s. */
export const MAX_MEMBER_CHANGES = 5_000;
/**
 * Largest group whose member list a replace (PUT with members, PATCH replace of members) or a
 * remove-all may rewrite: its current members are read whole to compute the change, which must
 * itself stay within {@link MAX_MEMBER_CHANGES}.
 */
export const MAX_REPLACED_MEMBERS = 2 * MAX_MEMBER_CHANGES;
/** Members read per page of a group's member list. */
const MEMBER_PAGE = 1000;
/** Bound on the pages of one member walk: 100 million members, far past any directory this serves. */
const MAX_MEMBER_PAGES = 100_000;

/** The error of a request that adds or removes more than {@link MAX_MEMBER_CHANGES} members. */
export function tooManyMemberChanges(): ScimError {
  return ScimError.of('invalidValue', `At most ${MAX_MEMBER_CHANGES} members can be added or removed in one request; split it`);
}

/** Members already in as many groups as a member may be, as read for a request. */
export interface FullMembers {
  ids: Set<string>;
  limit: number;
}

/**
 * The members to add, checked before anything is written: none may be in as many groups as a
 * member may be already, else 400.
 */
export function refuseFullMembers(add: MemberRef[], full: FullMembers): MemberRef[] {
  const refused = add.filter((member) => full.ids.has(member.id)).map((member) => member.id);
  if (refused.length > 0) {
    const named = `${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ` (+${refused.length - 5} more)` : ''}`;
    throw ScimError.of('invalidValue', `A member can be in at most ${full.limit} groups; ${named} already ${refused.length === 1 ? 'is' : 'are'}`);
  }
  return add;
}

/**
 * Membership steps folded, in order, into the members to add (with the type the client gave, if
 * any) and to remove; `replaceAll` when the steps start from an empty list (removeAll, replace).
 */
export function foldMembershipSteps(steps: readonly MembershipStep[]): {
  replaceAll: boolean;
  adds: Map<string, ResourceType | undefined>;
  removes: Set<string>;
} {
  let replaceAll = false;
  const adds = new Map<string, ResourceType | undefined>();
  const removes = new Set<string>();
  for (const step of steps) {
    switch (step.kind) {
      case 'add':
        for (const member of step.members) {
          adds.set(member.value, member.type);
          removes.delete(member.value);
        }
        break;
      case 'remove':
        for (const memberId of step.memberIds) {
          adds.delete(memberId);
          removes.add(memberId);
        }
        break;
      case 'removeAll':
        replaceAll = true;
        adds.clear();
        removes.clear();
        break;
      case 'replace':
        replaceAll = true;
        adds.clear();
        removes.clear();
        for (const member of step.members) adds.set(member.value, member.type);
        break;
    }
  }
  return { replaceAll, adds, removes };
}

/** The memberships one request writes. */
export interface MemberChanges {
  add: MemberRef[];
  remove: MemberRef[];
}

/**
 * Plans and reads group memberships over the storage port.
 *
 * @example
 * const changes = await planner.plan(ctx, groupId, [{ kind: 'add', members: [{ value: userId }] }]);
 */
export class MembershipPlanner {
  readonly #repository: ScimRepository;
  readonly #maxReplacedMembers: number;

  constructor(repository: ScimRepository, maxReplacedMembers = MAX_REPLACED_MEMBERS) {
    this.#repository = repository;
    this.#maxReplacedMembers = maxReplacedMembers;
  }

  /**
   * Folds membership steps, in order, into the members to add and remove. Costs O(members named)
   * reads, except removeAll/replace, which must read the current member list.
   */
  async plan(ctx: ScimContext, groupId: string, steps: MembershipStep[]): Promise<MemberChanges> {
    const { replaceAll, adds, removes } = foldMembershipSteps(steps);
    if (adds.size + removes.size > MAX_MEMBER_CHANGES) throw tooManyMemberChanges();
    // Removing an id that cannot exist changes nothing.
    for (const memberId of removes) if (!isPlausibleId(memberId)) removes.delete(memberId);
    const candidates = [...adds].map(([value, type]) => (type === undefined ? { value } : { value, type }));
    if (replaceAll) {
      const { newMembers, full } = await this.resolveNewMembers(ctx, groupId, candidates);
      // Bounded, so that the diff is computed and written well within the request's time.
      const limit = this.#maxReplacedMembers;
      const current = await this.allMembers(ctx, groupId, limit, {
        tooBig: () =>
          ScimError.of('invalidValue', `Replacing or removing all members works on groups of at most ${limit} members; add and remove members by value instead`),
      });
      const currentIds = new Set(current.map((member) => member.id));
      const changes = {
        add: refuseFullMembers(newMembers.filter((member) => !currentIds.has(member.id)), full),
        remove: current.filter((member) => !adds.has(member.id)),
      };
      if (changes.add.length + changes.remove.length > MAX_MEMBER_CHANGES) throw tooManyMemberChanges();
      return changes;
    }
    const { newMembers, full, memberships } = await this.resolveNewMembers(ctx, groupId, candidates, [...adds.keys(), ...removes].filter(isPlausibleId));
    return {
      add: refuseFullMembers(newMembers.filter((member) => !memberships.has(member.id)), full),
      remove: [...removes].flatMap((memberId) => {
        const type = memberships.get(memberId);
        return type === undefined ? [] : [{ id: memberId, type }];
      }),
    };
  }

  /**
   * Checks that every new member is a User or Group of this directory (and not the group itself),
   * and reads which are in as many groups as a member may be already (`full`) and which of
   * `memberIds` are members already, in the same round trip.
   */
  async resolveNewMembers(
    ctx: ScimContext,
    groupId: string,
    members: Array<{ value: string; type?: ResourceType }>,
    memberIds: string[] = [],
  ): Promise<{ newMembers: MemberRef[]; full: FullMembers; memberships: Map<string, ResourceType> }> {
    if (members.length === 0 && memberIds.length === 0) return { newMembers: [], full: { ids: new Set(), limit: Number.POSITIVE_INFINITY }, memberships: new Map() };
    const self = members.find((member) => member.value === groupId);
    if (self !== undefined) throw ScimError.of('invalidValue', 'A group cannot be a member of itself');
    const typeHints = new Map(members.flatMap((member) => (member.type === undefined ? [] : [[member.value, member.type] as const])));
    const { resolved, full, memberships } = await this.#repository.inspectMembers(ctx.directoryId, groupId, {
      candidates: members.map((member) => member.value).filter(isPlausibleId),
      typeHints,
      memberIds,
    });
    const missing = members.filter((member) => !resolved.has(member.value)).map((member) => member.value);
    if (missing.length > 0) {
      throw ScimError.of('invalidValue', `members: no User or Group with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''} in this directory`);
    }
    const unique = new Map(members.map((member) => [member.value, resolved.get(member.value) as ResourceType]));
    return { newMembers: [...unique].map(([id, type]) => ({ id, type })), full, memberships };
  }

  /**
   * Every member of a group, in pages; beyond `limit`, the error `tooBig` makes (by default
   * tooMany). `withDisplay` reads their display names too, for rendering.
   */
  async allMembers(ctx: ScimContext, groupId: string, limit: number, options: { tooBig?: () => ScimError; withDisplay?: boolean } = {}): Promise<MemberRef[]> {
    const { tooBig, withDisplay = false } = options;
    const members: MemberRef[] = [];
    await forEachPage(
      (startAfter) => this.#repository.listMembers(ctx.directoryId, groupId, { limit: MEMBER_PAGE, withDisplay, ...(startAfter === undefined ? {} : { startAfter }) }),
      (items) => {
        members.push(...items);
        if (members.length > limit) {
          throw tooBig?.() ?? ScimError.of('tooMany', `The group has more than ${limit} members; read it with excludedAttributes=members`);
        }
      },
      // Every page but the last holds at least one member, so tooMany comes before the bound.
      { maxPages: Math.min(MAX_MEMBER_PAGES, limit + 1), what: 'Reading the members of a group' },
    );
    return members;
  }

  /** Removes every member of a group (before it is deleted), page by page. */
  async removeAll(directoryId: string, groupId: string, now: string): Promise<void> {
    await drainPages(
      () => this.#repository.listMembers(directoryId, groupId, { limit: MEMBER_PAGE }),
      (items) => this.#repository.changeMemberships(directoryId, groupId, { add: [], remove: items }, { now, bumpGroupVersion: false }),
      { maxPages: MAX_MEMBER_PAGES, what: 'Removing the members of a group' },
    );
  }
}
