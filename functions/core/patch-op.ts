/**
 * The SCIM PATCH engine (RFC 7644 §3.5.2): read a PATCH body into operations, take Group
 * membership apart from them, and apply the rest to a resource, all-or-nothing.
 *
 * @example
 * const operations = parsePatchRequest(body);
 * const { attributeOperations, membershipSteps } = splitMembershipOperations(operations); // Groups only
 * const patched = applyPatch('Group', group, attributeOperations);
 */
export { applyPatch } from './patch/apply.ts';
export { splitMembershipOperations, type MembershipStep, type SplitOperations } from './patch/membership.ts';
export type { PatchOperation, PatchOpName } from './patch/operation.ts';
export { MAX_PLAIN_VALUE_BYTES, plainAssignments, type PlainAssignment } from './patch/plain.ts';
export { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, parsePatchRequest } from './patch/request.ts';
