import { describe, expect, it } from 'vitest';
import { checkBranding, expiredLinkPage, pageShell, signedOutPage } from '../../functions/portal/pages.ts';
import { contentSecurityPolicy } from '../../functions/portal/portal-http.ts';
import { portalBasePath, toPortalRequest, toProxyResult } from '../../functions/portal/portal-lambda.ts';
import { explainFailure, describeAction } from '../../functions/activity/explain.ts';
import { clientOf } from '../../functions/activity/activity.ts';
import { errorResponse } from '../../functions/http/scim-http.ts';

describe('portal pages', () => {
  it('escape the app name and carry no inline script or style', () => {
    const branding = { appName: '<Hero & "SaaS">' };
    for (const html of [pageShell(branding), expiredLinkPage(branding), signedOutPage(branding)]) {
      expect(html).toContain('&lt;Hero &amp; &quot;SaaS&quot;&gt;');
      expect(html).not.toContain('<Hero');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(html).not.toMatch(/<style|style=/);
    }
  });

  it('tell the admin to ask the app for a new link when a link is used or expired', () => {
    const html = expiredLinkPage({ appName: 'Hero SaaS' });
    expect(html).toContain('This link has expired');
    expect(html).toContain('Go back to Hero SaaS and open the Admin Portal again');
  });

  it('refuse branding that would break the page or its policy', () => {
    expect(() => checkBranding({ appName: '  ' })).toThrow(/app name/);
    expect(() => checkBranding({ appName: 'Hero', accentColor: 'red; background: url(x)' })).toThrow(/#rrggbb/);
    expect(() => checkBranding({ appName: 'Hero', logoUrl: 'http://cdn.example.com/logo.png' })).toThrow(/https/);
    expect(checkBranding({ appName: ' Hero SaaS ', accentColor: '#0b5fff', logoUrl: 'https://cdn.example.com/l.png' })).toEqual({
      appName: 'Hero SaaS',
      accentColor: '#0b5fff',
      logoUrl: 'https://cdn.example.com/l.png',
    });
  });
});

describe('content security policy', () => {
  it('allows only this origin, no framing, and a configured logo origin', () => {
    const policy = contentSecurityPolicy({});
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("style-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(contentSecurityPolicy({ logoUrl: 'https://cdn.example.com/a/logo.svg' })).toContain("img-src 'self' data: https://cdn.example.com");
    expect(contentSecurityPolicy({ frameAncestors: ['https://app.example.com'] })).toContain('frame-ancestors https://app.example.com');
  });
});

describe('portal behind API Gateway', () => {
  const event = (path: string, fullPath: string) =>
    ({
      path,
      httpMethod: 'get',
      headers: { Cookie: 'a=b' },
      queryStringParameters: { link: 'x' },
      body: null,
      isBase64Encoded: false,
      requestContext: { path: fullPath, requestId: 'req-1' },
    }) as never;

  it('finds the base path the browser sees, with the stage', () => {
    expect(portalBasePath(event('/portal/api/session', '/v1/portal/api/session'))).toBe('/v1/portal');
    expect(portalBasePath(event('/portal/', '/portal/'))).toBe('/portal');
  });

  it('passes the path below the portal, lower-case headers and the request id', () => {
    expect(toPortalRequest(event('/portal/open', '/v1/portal/open'))).toMatchObject({
      method: 'GET',
      path: '/open',
      query: { link: 'x' },
      headers: { cookie: 'a=b' },
      requestId: 'req-1',
      basePath: '/v1/portal',
    });
  });

  it('sends each cookie as its own Set-Cookie header', () => {
    const result = toProxyResult({ statusCode: 303, headers: { Location: '/v1/portal/' }, cookies: ['a=1', 'b=2'], body: '' });
    expect(result.multiValueHeaders).toEqual({ 'Set-Cookie': ['a=1', 'b=2'] });
  });
});

describe('activity in plain words', () => {
  const failure = { method: 'POST', resourceType: 'User' as const, resourceName: 'ada@example.com', status: 409, scimType: 'uniqueness', outcome: 'failure' as const, client: 'entra' as const };

  it('explains a userName conflict with what to check in Entra ID', () => {
    expect(describeAction(failure)).toBe('Create user ada@example.com');
    expect(explainFailure(failure)).toMatch(/A user with this userName already exists\. Check the matching attribute in Entra ID/);
  });

  it('says nothing more for a success, and names the action done', () => {
    const success = { ...failure, status: 201, scimType: undefined, outcome: 'success' as const };
    expect(explainFailure(success)).toBeUndefined();
    expect(describeAction(success)).toBe('Created user ada@example.com');
  });

  it('tells a disabled directory apart from a busy service', () => {
    expect(explainFailure({ ...failure, status: 403, scimType: undefined })).toMatch(/disabled/);
    expect(explainFailure({ ...failure, status: 503, scimType: undefined })).toMatch(/retries on its own/);
  });

  it('promises of a 500 only what holds: a retry completes it, not that nothing was applied', () => {
    const explained = explainFailure({ ...failure, status: 500, scimType: undefined });
    expect(explained).toMatch(/retries the request on its own/);
    expect(explained).not.toMatch(/not applied/);
    for (const error of [new Error('boom'), Object.assign(new Error('slow'), { name: 'TimeoutError' })]) {
      expect(JSON.parse(errorResponse(error).body).detail).not.toMatch(/not applied/);
    }
  });

  it('recognises the identity provider from its User-Agent', () => {
    expect(clientOf('Azure Active Directory SCIM Client')).toBe('entra');
    expect(clientOf('Okta SCIM Client 1.0.0')).toBe('okta');
    expect(clientOf('curl/8.0')).toBe('other');
    expect(clientOf(undefined)).toBe('other');
  });
});
