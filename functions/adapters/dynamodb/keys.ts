/**
 * Every key string of the table is built here and nowhere else.
 *
 * Layout (one partition per directory, so no query can ever cross directories):
 *
 * | item                         | pk             | sk                                   |
 * |------------------------------|----------------|--------------------------------------|
 * | directory record             | DIR#<dir>      | DIRECTORY                            |
 * | counters (totalResults)      | DIR#<dir>      | COUNTERS#<shard 00-15>               |
 * | user                         | DIR#<dir>      | USER#<userId>                        |
 * | group                        | DIR#<dir>      | GROUP#<groupId>                      |
 * | membership (group → member)  | DIR#<dir>      | MEMBER#<groupId>#<memberId>          |
 * | userName claim (lower case)  | DIR#<dir>      | UNIQUE#USERNAME#<lower(userName)>    |
 * | externalId claim (exact)     | DIR#<dir>      | UNIQUE#EXTERNALID#<externalId>       |
 * | group displayName claim      | DIR#<dir>      | UNIQUE#GROUPNAME#<lower(displayName)>|
 * | group externalId index       | DIR#<dir>      | UNIQUE#GROUPEXTERNALID#<externalId>  |
 * | paging marker (TTL)          | DIR#<dir>      | PAGE#<hash>                          |
 * | bearer token last use        | DIR#<dir>      | TOKENUSE#<tokenId>                   |
 * | token-secret lease (TTL)     | DIR#<dir>      | SECRETLOCK                           |
 * | provisioning activity (TTL)  | DIR#<dir>      | ACTIVITY#<ISO time>#<requestId>      |
 * | last request / last failure  | DIR#<dir>      | REQUESTSTATUS                        |
 * | parked stream record (TTL)   | DIR#<dir>      | PARKED#<sequence, 40 digits>         |
 * | fan-out failure count (TTL)  | DIR#<dir>      | FANOUTFAILURES#<stream eventID>      |
 * | open member journal          | DIR#<dir>      | JOURNAL#<groupId>                    |
 * | Admin Portal link (TTL)      | PORTALLINK#<sha256 of the secret>  | PORTALLINK           |
 * | Admin Portal session (TTL)   | PORTALSESSION#<sha256 of the id>   | PORTALSESSION        |
 *
 * Portal links and sessions belong to an organization, not to a directory, so they live in their
 * own partitions, keyed by the hash of their secret (the secret itself is never stored).
 *
 * The index gsi1 holds DIRECTORY items (gsi1pk = DIRECTORIES, gsi1sk = <dir>), open member
 * journals (gsi1pk = JOURNALS, gsi1sk = <opened ISO time>#<dir>#<groupId>) and users and groups
 * being deleted (the same, with their own id), so that the sweeper finds old ones of every
 * directory with one Query.
 *
 * The groups a user (or nested group) belongs to are kept on the member's own item as the string
 * set `memberOf`, updated in the same transaction as the membership item. So a user's `groups`
 * attribute costs no extra read, and deleting a user finds its memberships with strong consistency.
 */

import { foldCase } from '../../core/case-fold.ts';

const SEP = '#';

export const SK = {
  directory: 'DIRECTORY',
  counters: 'COUNTERS',
  userPrefix: 'USER#',
  groupPrefix: 'GROUP#',
  memberPrefix: 'MEMBER#',
  userNameClaimPrefix: 'UNIQUE#USERNAME#',
  externalIdClaimPrefix: 'UNIQUE#EXTERNALID#',
  groupNameClaimPrefix: 'UNIQUE#GROUPNAME#',
  groupExternalIdClaimPrefix: 'UNIQUE#GROUPEXTERNALID#',
  pagePrefix: 'PAGE#',
  tokenUsePrefix: 'TOKENUSE#',
  secretLock: 'SECRETLOCK',
  activityPrefix: 'ACTIVITY#',
  requestStatus: 'REQUESTSTATUS',
  parkedRecordPrefix: 'PARKED#',
  fanoutFailuresPrefix: 'FANOUTFAILURES#',
  journalPrefix: 'JOURNAL#',
  portalLink: 'PORTALLINK',
  portalSession: 'PORTALSESSION',
} as const;

/** gsi1 partition holding every directory record. */
export const DIRECTORIES_INDEX_PK = 'DIRECTORIES';
/** gsi1 partition holding every open member journal. */
export const JOURNALS_INDEX_PK = 'JOURNALS';


export const keys = {
  partition: (directoryId: string) => `DIR${SEP}${directoryId}`,
  directory: (directoryId: string) => ({ pk: keys.partition(directoryId), sk: SK.directory }),
  /** The one counters item of earlier versions; still summed with the shards (see counters.ts). */
  counters: (directoryId: string) => ({ pk: keys.partition(directoryId), sk: SK.counters }),
  /** One of a directory's counter shards; every counter item's sort key starts with `COUNTERS`. */
  counterShard: (directoryId: string, shard: number) => ({ pk: keys.partition(directoryId), sk: `${SK.counters}${SEP}${String(shard).padStart(2, '0')}` }),
  user: (directoryId: string, userId: string) => ({ pk: keys.partition(directoryId), sk: SK.userPrefix + userId }),
  group: (directoryId: string, groupId: string) => ({ pk: keys.partition(directoryId), sk: SK.groupPrefix + groupId }),
  membership: (directoryId: string, groupId: string, memberId: string) => ({
    pk: keys.partition(directoryId),
    sk: `${SK.memberPrefix}${groupId}${SEP}${memberId}`,
  }),
  /** Sort-key prefix of all memberships of one group. */
  groupMembersPrefix: (groupId: string) => `${SK.memberPrefix}${groupId}${SEP}`,
  userNameClaim: (directoryId: string, userName: string) => ({
    pk: keys.partition(directoryId),
    sk: SK.userNameClaimPrefix + foldCase(userName),
  }),
  externalIdClaim: (directoryId: string, externalId: string) => ({
    pk: keys.partition(directoryId),
    sk: SK.externalIdClaimPrefix + externalId,
  }),
  /** Groups' externalId index: like users', in a key space of its own. */
  groupExternalIdClaim: (directoryId: string, externalId: string) => ({
    pk: keys.partition(directoryId),
    sk: SK.groupExternalIdClaimPrefix + externalId,
  }),
  groupNameClaim: (directoryId: string, displayName: string) => ({
    pk: keys.partition(directoryId),
    sk: SK.groupNameClaimPrefix + foldCase(displayName),
  }),
  pageMarker: (directoryId: string, hash: string) => ({ pk: keys.partition(directoryId), sk: SK.pagePrefix + hash }),
  /** The lease that serialises changes to the directory's token secret across admin invocations. */
  secretLock: (directoryId: string) => ({ pk: keys.partition(directoryId), sk: SK.secretLock }),
  /** When a bearer token was last used; written at most every few minutes per token and warm Lambda. */
  tokenUse: (directoryId: string, tokenId: string) => ({ pk: keys.partition(directoryId), sk: SK.tokenUsePrefix + tokenId }),
  /** One provisioning activity entry; sorts by time within the directory. */
  activity: (directoryId: string, at: string, requestId: string) => ({
    pk: keys.partition(directoryId),
    sk: `${SK.activityPrefix}${at}${SEP}${requestId}`,
  }),
  /**
   * Sort-key bounds (for BETWEEN) of a directory's activity entries answered at or after `since`
   * (an ISO time), or of all of them: `~` sorts after every character of an ISO time.
   */
  activityRange: (since?: string) => ({ from: SK.activityPrefix + (since ?? ''), to: `${SK.activityPrefix}~` }),
  /** Last request and last failed request of a directory (updated at most about once a minute). */
  requestStatus: (directoryId: string) => ({ pk: keys.partition(directoryId), sk: SK.requestStatus }),
  /**
   * A stream record the fan-out parked. Stream sequence numbers are decimal strings of up to 40
   * digits; left-padded to 40, they sort in stream order, so a Query answers them in that order.
   */
  parkedRecord: (directoryId: string, sequenceNumber: string) => ({
    pk: keys.partition(directoryId),
    sk: SK.parkedRecordPrefix + sequenceNumber.padStart(40, '0'),
  }),
  /** How many deliveries of one stream record (by its eventID) have failed so far. */
  fanoutFailures: (directoryId: string, eventId: string) => ({ pk: keys.partition(directoryId), sk: SK.fanoutFailuresPrefix + eventId }),
  /** The member journal open on a group (at most one at a time). */
  memberJournal: (directoryId: string, groupId: string) => ({ pk: keys.partition(directoryId), sk: SK.journalPrefix + groupId }),
  /**
   * Where an open journal (of a group's members, or of a resource's delete) sorts in gsi1: by the
   * time it was opened, across directories.
   */
  journalIndex: (directoryId: string, resourceId: string, opened: string) => ({
    gsi1pk: JOURNALS_INDEX_PK,
    gsi1sk: `${opened}${SEP}${directoryId}${SEP}${resourceId}`,
  }),
  /** A portal link, by the SHA-256 (hex) of its secret. */
  portalLink: (secretHash: string) => ({ pk: `${SK.portalLink}${SEP}${secretHash}`, sk: SK.portalLink }),
  /** A portal session, by the SHA-256 (hex) of its id. */
  portalSession: (sessionHash: string) => ({ pk: `${SK.portalSession}${SEP}${sessionHash}`, sk: SK.portalSession }),
} as const;

/** The directory id of a partition key, or undefined when the key is not a directory partition. */
export function directoryIdOfPartition(pk: string): string | undefined {
  return pk.startsWith(`DIR${SEP}`) ? pk.slice(4) : undefined;
}

/**
 * The resource a user or group item's sort key names (`USER#<id>`, `GROUP#<id>`), or undefined
 * for any other sort key. Resource items do not repeat their id as data: it is read from here.
 */
export function resourceOfSortKey(sk: string): { type: 'User' | 'Group'; id: string } | undefined {
  if (sk.startsWith(SK.userPrefix)) return { type: 'User', id: sk.slice(SK.userPrefix.length) };
  if (sk.startsWith(SK.groupPrefix)) return { type: 'Group', id: sk.slice(SK.groupPrefix.length) };
  return undefined;
}
