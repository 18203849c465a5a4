/**
 * The Admin Portal in the stack: its function, routes, environment and permissions, and the
 * branding props checked at synth.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { actionsOfRole, logicalId, resourcesOfType, statementsOfRole, synthStack, testApp } from './synth.ts';

type Json = Record<string, unknown>;

describe('Admin Portal in the stack', () => {
  let template: Template;
  const fnId = (name: string) => logicalId(template, 'AWS::Lambda::Function', `ScimDirectorySync${name}Function`);
  const envOf = (name: string) => ((resourcesOfType(template, 'AWS::Lambda::Function')[fnId(name)]!['Properties'] as Json)['Environment'] as { Variables: Json }).Variables;

  beforeAll(() => {
    template = synthStack({ scim: { portal: { appName: 'Hero SaaS', accentColor: '#5b21b6', frameAncestors: ['https://app.hero.example'] } } }).template;
  });

  it('serves /portal and everything below it from the portal function, without an authoriser', () => {
    const methods = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).map((m) => m['Properties'] as Json);
    const portalMethods = methods.filter((m) => JSON.stringify(m['Integration']).includes(fnId('Portal')));
    expect(portalMethods.map((m) => m['HttpMethod']).sort()).toEqual(['GET', 'GET', 'POST', 'POST']);
    for (const method of portalMethods) expect(method['AuthorizationType']).toBe('NONE');
  });

  it('gives the portal its branding, its URL, the Tenant URL base and the admin function to carry deletions on', () => {
    const env = envOf('Portal');
    expect(env).toMatchObject({
      PORTAL_APP_NAME: 'Hero SaaS',
      PORTAL_ACCENT_COLOR: '#5b21b6',
      PORTAL_FRAME_ANCESTORS: 'https://app.hero.example',
      ADMIN_FUNCTION_NAME: { Ref: fnId('Admin') },
    });
    expect(JSON.stringify(env['PORTAL_BASE_URL'])).toContain('/v1/portal');
    expect(JSON.stringify(env['SCIM_BASE_URL'])).toContain('/v1/scim/v2');
    // The admin function makes portal links, so it knows where the portal is too.
    expect(envOf('Admin')['PORTAL_BASE_URL']).toEqual(env['PORTAL_BASE_URL']);
  });

  it('lets the portal use the table, manage token secrets and invoke only the admin function', () => {
    const roleId = logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncPortalFunctionRole');
    const actions = actionsOfRole(template, roleId);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'secretsmanager:PutSecretValue', 'lambda:InvokeFunction']),
    );
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions).not.toContain('dynamodb:BatchWriteItem');
    const invoke = statementsOfRole(template, roleId).find((s) => s.actions.includes('lambda:InvokeFunction'));
    expect(invoke?.resources).toEqual([{ 'Fn::GetAtt': [fnId('Admin'), 'Arn'] }]);
  });

  it('outputs the portal URL base', () => {
    const outputs = template.findOutputs('AdminPortalUrlBase');
    expect(JSON.stringify(Object.values(outputs)[0])).toContain('/portal');
  });

  it('refuses branding that would break the page at synth', () => {
    const stack = new Stack(testApp(), 'Bad');
    expect(() => new ScimDirectorySync(stack, 'Scim', { portal: { accentColor: 'purple' } })).toThrow(/#rrggbb/);
    expect(() => new ScimDirectorySync(new Stack(testApp(), 'Bad2'), 'Scim', { portal: { logoUrl: 'http://cdn.example.com/logo.png' } })).toThrow(/https/);
  });
});
