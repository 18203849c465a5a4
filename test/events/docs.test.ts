/**
 * docs/events.md shows one example of each event and an event pattern: they must parse with the
 * published parsers, so the documentation cannot drift from the contract.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, parseDirectoryEvent, parseEventBridgeEvent } from '../../functions/events/index.ts';

const markdown = await readFile(new URL('../../docs/events.md', import.meta.url), 'utf8');
const jsonBlocks = [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => JSON.parse(match[1] ?? '') as Record<string, unknown>);

describe('docs/events.md', () => {
  it('shows a valid example of every event type, each under its own heading', () => {
    const details = jsonBlocks.filter((block) => 'schemaVersion' in block).map((block) => parseDirectoryEvent(block));
    expect(details.map((detail) => detail.type)).toEqual([...EVENT_TYPES]);
    for (const detail of details) expect(markdown).toContain(`### \`${detail.type}\`\n\n\`\`\`json\n{\n  "id": "${detail.id}"`);
  });

  it('shows a whole EventBridge event that parses as consumers parse it', () => {
    const envelopes = jsonBlocks.filter((block) => 'detail' in block && 'account' in block);
    expect(envelopes).toHaveLength(1);
    expect(parseEventBridgeEvent(envelopes[0])).toMatchObject({ source: 'scim-directory-sync', detailType: 'user.created' });
  });

  it('shows an event pattern that matches the user.deactivated example', () => {
    const pattern = jsonBlocks.find((block) => Array.isArray(block['detail-type']));
    expect(pattern).toEqual({ source: ['scim-directory-sync'], 'detail-type': ['user.deactivated'] });
  });
});
