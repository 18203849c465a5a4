/**
 * Plain-words explanations of provisioning activity, for the IT admin who reads them in the
 * Admin Portal (and the operator who reads `scim-admin activity`): what happened, and for a
 * failure what they can do about it. Pure: no AWS, no DOM.
 */
import type { ActivityClient, ActivityEntry } from './activity.ts';

const CLIENT_NAMES: Record<ActivityClient, string> = {
  entra: 'Entra ID',
  okta: 'Okta',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  other: 'The identity provider',
};

/** "Entra ID", "Okta"…, or a neutral name for another client. */
export function clientName(client: ActivityClient): string {
  return CLIENT_NAMES[client] ?? CLIENT_NAMES.other;
}

type Entry = Pick<ActivityEntry, 'method' | 'resourceType' | 'resourceName' | 'status' | 'scimType' | 'outcome'>;

function thing(entry: Entry): string {
  const kind = entry.resourceType === 'Group' ? 'group' : entry.resourceType === 'User' ? 'user' : 'request';
  return entry.resourceName === undefined ? `a ${kind}` : `${kind} ${entry.resourceName}`;
}

/** What the request did (success) or tried to do (failure), e.g. "Created user ada@example.com". */
export function describeAction(entry: Entry): string {
  const target = thing(entry);
  switch (entry.method) {
    case 'POST':
      return entry.outcome === 'success' ? `Created ${target}` : `Create ${target}`;
    case 'PUT':
      return entry.outcome === 'success' ? `Replaced ${target}` : `Replace ${target}`;
    case 'PATCH':
      return entry.outcome === 'success' ? `Updated ${target}` : `Update ${target}`;
    case 'DELETE':
      return entry.outcome === 'success' ? `Deleted ${target}` : `Delete ${target}`;
    default:
      return entry.resourceType === undefined ? 'Read the directory' : `Read ${entry.resourceType === 'Group' ? 'groups' : 'users'}`;
  }
}

/**
 * For a failure, what went wrong and what the admin can do, in one or two sentences; undefined for
 * a success.
 */
export function explainFailure(entry: Entry & { client: ActivityClient }): string | undefined {
  if (entry.outcome === 'success') return undefined;
  const idp = clientName(entry.client);
  const field = entry.resourceType === 'Group' ? 'displayName' : 'userName';
  switch (entry.scimType) {
    case 'uniqueness':
      return `A ${entry.resourceType === 'Group' ? 'group' : 'user'} with this ${field} already exists. Check the matching attribute in ${idp}: it should be ${field}, so that ${idp} finds the existing one instead of creating it again.`;
    case 'invalidFilter':
      return `${idp} asked for a search this service does not understand. If it repeats, check the matching attribute in ${idp}'s attribute mappings.`;
    case 'mutability':
      return `${idp} tried to change an attribute that cannot change once set (such as id). Check the attribute mappings in ${idp}.`;
    case 'invalidValue':
    case 'invalidSyntax':
    case 'invalidPath':
    case 'noTarget':
      return `${idp} sent a value this service could not accept. Check the attribute mappings in ${idp} for this attribute; the detail below names it.`;
    case 'tooMany':
      return `${idp} asked for more results than one request may return. This usually resolves itself on the next cycle.`;
    default:
      break;
  }
  switch (entry.status) {
    case 400:
      return `${idp} sent a request this service could not accept. The detail below says what was wrong.`;
    case 403:
      return 'This directory is disabled, so requests are refused. Enable it under Settings to resume provisioning.';
    case 404:
      return `${idp} referred to a ${entry.resourceType === 'Group' ? 'group' : 'user'} that no longer exists here. ${idp} usually recovers on its next cycle by creating it again.`;
    case 409:
      return `The ${entry.resourceType === 'Group' ? 'group' : 'user'} changed at the same moment. ${idp} retries such requests on its own.`;
    case 412:
      return `The ${entry.resourceType === 'Group' ? 'group' : 'user'} had changed since ${idp} last read it. ${idp} reads it again and retries.`;
    case 413:
      return `${idp} sent a request that is too large. Split large group changes, or contact ${idp} support if it repeats.`;
    case 429:
    case 503:
      return `The service was busy and asked ${idp} to retry. Nothing was lost; ${idp} retries on its own.`;
    default:
      return entry.status >= 500
        ? `Something went wrong on our side. ${idp} retries the request on its own, and the retry completes what this one began without applying anything twice; if this repeats, contact support with the request id.`
        : `The request was refused. The detail below says why.`;
  }
}
