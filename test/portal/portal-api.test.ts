/**
 * The portal's JSON API refuses bodies it cannot safely read before any use case runs.
 */
import { describe, expect, it } from 'vitest';
import { handlePortalApi } from '../../functions/portal/portal-api.ts';
import type { PortalDirectories, PortalSession } from '../../functions/portal/ports.ts';

const session: PortalSession = {
  sessionId: 's1',
  organizationId: 'org-acme',
  csrfToken: 'csrf',
  idleExpiresAt: '2030-01-01T00:00:00Z',
  absoluteExpiresAt: '2030-01-01T00:00:00Z',
} as PortalSession;

/** Use cases that must not be reached: every call fails the test. */
const unreachable = new Proxy({} as PortalDirectories, {
  get: (_target, name) => () => {
    throw new Error(`${String(name)} must not be called for a refused request`);
  },
});

describe('portal API bodies', () => {
  it.each([
    ['a list', `{"provider":"entra","name":${'['.repeat(7_000)}${']'.repeat(7_000)}}`],
    ['an object', `{"provider":"entra","name":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`],
  ])('refuses %s nested thousands of levels deep with 400 invalidInput', async (_name, body) => {
    const reply = await handlePortalApi(
      { method: 'POST', path: '/api/directories', query: {}, headers: {}, body, requestId: 'r1', basePath: '/portal' },
      session,
      { directories: unreachable, branding: { appName: 'App' } as never, staleAfterMinutes: 60 },
    );
    expect(reply).toEqual({ status: 400, body: { error: { code: 'invalidInput', message: 'The request nests lists and objects too deeply' } } });
  });
});
