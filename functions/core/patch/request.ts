/**
 * Reading the body of a PATCH request (RFC 7644 §3.5.2) into validated operations.
 *
 * Structural names are matched without regard to case, because Microsoft Entra ID sends `op`
 * as `Add`, `Replace` and `Remove`, and RFC 7643 §2.1 makes attribute names case-insensitive.
 */
import { ScimError } from '../error.ts';
import { getIgnoringCase, isJsonObject } from '../json.ts';
import { parseAttributePath } from '../filter/index.ts';
import { SCHEMAS } from '../schemas/index.ts';
import { describeOperation, inOperation, type PatchOpName, type PatchOperation } from './operation.ts';

/** The message schema a PATCH body must declare (RFC 7644 §3.5.2). */
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Most operations accepted in one PATCH request. Entra ID and Okta send a handful; a body with
 * more is refused up front (400 invalidValue) so that one request cannot keep a Lambda busy
 * applying an unbounded list.
 */
export const MAX_PATCH_OPERATIONS = 1000;

const OP_NAMES: ReadonlySet<string> = new Set<PatchOpName>(['add', 'replace', 'remove']);

/**
 * Validates a PATCH request body and returns its operations in order.
 *
 * Checks everything that can be checked without the resource: the `schemas` URN, a non-empty
 * `Operations` array (at most {@link MAX_PATCH_OPERATIONS}), `op` in any letter case, a
 * well-formed `path`, a `path` on every `remove` and a `value` on every `add` and `replace`.
 *
 * @throws ScimError `invalidSyntax`, `invalidValue`, `invalidPath`, `invalidFilter` or
 *   `noTarget`; the detail names the failing operation.
 * @example
 * parsePatchRequest({
 *   schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
 *   Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
 * }); // → [{ op: 'replace', path: 'active', value: 'False', index: 0 }]
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) {
    throw ScimError.of('invalidSyntax', 'The PATCH request body must be a JSON object.');
  }
  const schemas = getIgnoringCase(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw ScimError.of('invalidSyntax', `The PATCH request body must list "${PATCH_OP_SCHEMA}" in "schemas".`);
  }
  const operations = getIgnoringCase(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.of('invalidSyntax', 'The PATCH request body must hold a non-empty "Operations" array (RFC 7644 §3.5.2).');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.of(
      'invalidValue',
      `The PATCH request holds ${operations.length} operations; at most ${MAX_PATCH_OPERATIONS} are accepted in one request.`,
    );
  }
  return operations.map((raw: unknown, index) => parseOperation(raw, index));
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  if (!isJsonObject(raw)) {
    throw ScimError.of('invalidSyntax', `Operations[${index}]: each operation must be a JSON object.`);
  }
  const opText = getIgnoringCase(raw, 'op');
  const op = typeof opText === 'string' ? opText.toLowerCase() : undefined;
  if (op === undefined || !OP_NAMES.has(op)) {
    // What the client sent is not echoed: an error names the rule, never client input.
    throw ScimError.of('invalidSyntax', `Operations[${index}]: "op" must be "add", "replace" or "remove"${opText === undefined ? ', and is missing' : ''}.`);
  }
  const operation: PatchOperation = { op: op as PatchOpName, index };
  const path = getIgnoringCase(raw, 'path');
  const value = getIgnoringCase(raw, 'value');
  // A null path or value is what some clients send for "none"; treat it as absent.
  if (path !== undefined && path !== null) {
    if (typeof path !== 'string' || path.trim() === '') {
      throw ScimError.of('invalidPath', `${describeOperation(operation, index)}: "path" must be a non-empty string.`);
    }
    operation.path = path.trim();
  }
  if (value !== undefined) operation.value = value;

  const label = describeOperation(operation, index);
  // A bare schema URN (the extension object as a whole) is a path too, but not an attribute path.
  if (operation.path !== undefined && !isSchemaUrn(operation.path)) {
    const text = operation.path;
    inOperation(label, () => parseAttributePath(text));
  }
  if (operation.op === 'remove' && operation.path === undefined) {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with HTTP status code
    // 400 and a "scimType" error code of "noTarget"."
    throw ScimError.of('noTarget', `${label}: "remove" requires a "path".`);
  }
  if (operation.op !== 'remove') {
    if (operation.value === undefined) {
      throw ScimError.of('invalidValue', `${label}: "${operation.op}" requires a "value" (RFC 7644 §3.5.2.1, §3.5.2.3).`);
    }
    if (operation.path === undefined && !isJsonObject(operation.value)) {
      // Without a path the target is the resource itself, so the value is a set of attributes.
      throw ScimError.of('invalidValue', `${label}: without a "path" the "value" must be an object of attributes.`);
    }
  }
  return operation;
}

function isSchemaUrn(path: string): boolean {
  const lower = path.toLowerCase();
  return Object.keys(SCHEMAS).some((urn) => urn.toLowerCase() === lower);
}
