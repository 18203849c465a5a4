/**
 * The name a group shows for a member (RFC 7643 §4.2 `members.display`): a user's displayName,
 * else its userName; a group's displayName.
 */
import type { ResourceType } from './schemas/index.ts';

/** The display name of a member with these attributes, or undefined when it has none. */
export function memberDisplayOf(type: ResourceType, attributes: Record<string, unknown>): string | undefined {
  const name = attributes.displayName;
  if (typeof name === 'string' && name !== '') return name;
  if (type === 'User' && typeof attributes.userName === 'string') return attributes.userName;
  return undefined;
}
