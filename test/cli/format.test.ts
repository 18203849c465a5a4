/**
 * What `scim-admin events redrive` prints, from the admin command's report: what happened, and
 * what an operator should do about what was left.
 */
import { describe, expect, it } from 'vitest';
import type { AdminResult } from '../../functions/admin/commands.ts';
import { formatRedrive } from '../../functions/cli/format.ts';

type Report = AdminResult<'events.redrive'>;

const empty: Report = { dryRun: false, directories: 0, examined: 0, redriven: 0, ready: 0, events: 0, unmappable: 0, undelivered: 0, tooLarge: 0, pointers: 0, more: false, items: [] };

describe('formatRedrive', () => {
  it('says there is nothing to redrive, and that the queue holds only the stream\'s pointers when it does', () => {
    expect(formatRedrive(empty)).toBe('No parked stream records.');
    const onlyPointers = formatRedrive({ ...empty, pointers: 2 });
    expect(onlyPointers).toContain('No parked stream records.');
    expect(onlyPointers).toContain("2 messages in the dead-letter queue are the stream's own pointers");
  });

  it('counts what a redrive from the queue published, and lists a record too large to publish with what to do', () => {
    const text = formatRedrive({
      ...empty,
      directories: 1,
      examined: 2,
      redriven: 1,
      events: 1,
      tooLarge: 1,
      items: [
        { directoryId: 'dir-1', sequenceNumber: '100', eventID: 'ev-1', reason: 'undeliverable', parkedAt: '2026-01-01T00:00:00.000Z', outcome: 'redriven', events: 1 },
        { directoryId: 'dir-1', sequenceNumber: '200', eventID: 'ev-2', reason: 'undeliverable', parkedAt: '2026-01-01T00:00:00.000Z', outcome: 'tooLarge', events: 0, detail: 'only its keys' },
      ],
    });
    expect(text).toContain('Redrove 1 of 2 parked records (1 events published).');
    expect(text).toContain('1 were too large for the queue');
    expect(text).toMatch(/dir-1\s+200\s+2026-01-01T00:00:00.000Z\s+tooLarge\s+only its keys/);
    expect(text).not.toMatch(/\s100\s/);
  });
});
