import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../lib/bundling.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { synthStack, testApp } from './synth.ts';


/** cdk-nag AwsSolutions findings left after the construct's acknowledgements. */
function nagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
  );
}

/** Logical ids on a dependency cycle (Ref, Fn::GetAtt, Fn::Sub and DependsOn edges), if any. */
function dependencyCycle(template: Template): string[] | undefined {
  const resources = template.toJSON()['Resources'] as Record<string, { DependsOn?: string | string[] }>;
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = new Set<string>();
    const text = JSON.stringify(resource);
    for (const match of text.matchAll(/"Ref":"([A-Za-z0-9]+)"|"Fn::GetAtt":\["([A-Za-z0-9]+)"/g)) {
      const target = match[1] ?? match[2];
      if (target !== undefined && target in resources) targets.add(target);
    }
    for (const target of [resource.DependsOn ?? []].flat()) targets.add(target);
    edges.set(id, targets);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

describe('ScimDirectorySyncStack', () => {
  it('outputs the Tenant URL base, admin function, event bus, table, alarm topic and token-secret prefix', () => {
    const { template } = synthStack();
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['TenantUrlBase', 'AdminFunctionName', 'EventBusName', 'EventBusArn', 'TableName', 'AlarmTopicArn', 'TokenSecretPrefix']),
    );
    expect(JSON.stringify(outputs['TenantUrlBase']!.Value)).toContain('/scim/v2');
    expect(JSON.stringify(outputs['AdminFunctionName']!.Value)).toMatch(/"Ref":"ScimDirectorySyncAdminFunction/);
    expect(outputs['TableName']!.Value).toEqual({ Ref: expect.stringMatching(/^ScimDirectorySyncTable/) });
  });

  it('outputs the Directory API URL and a least-privilege read policy for host roles', () => {
    const { template } = synthStack();
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    const url = JSON.stringify(outputs['DirectoryApiUrl']!.Value);
    expect(url).toContain('/api/v1');
    expect(url).not.toContain('scim');
    const policy = JSON.stringify(outputs['DirectoryApiReadPolicy']!.Value);
    expect(policy).toContain('execute-api:Invoke');
    expect(policy).toContain('/GET/api/v1/*');
    expect(policy).not.toContain('POST');
  });

  it('has no dependency cycle', () => {
    expect(dependencyCycle(synthStack().template)).toBeUndefined();
  });

  it('passes cdk-nag AwsSolutions with defaults', () => {
    const { stack } = synthStack();
    expect(nagFindings(stack)).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions with every option turned on', () => {
    const app = testApp();
    const stack = new Stack(app, 'Options');
    new ScimDirectorySync(stack, 'Scim', {
      tokenSecretKey: new kms.Key(stack, 'TokenKey', { enableKeyRotation: true }),
      encryptionKey: new kms.Key(stack, 'DataKey', { enableKeyRotation: true }),
      alarmEmail: 'ops@example.com',
      webAcl: { rateLimitPerFiveMinutes: 2000 },
      customDomain: {
        domainName: 'scim.example.com',
        certificate: acm.Certificate.fromCertificateArn(
          stack,
          'Cert',
          'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
        ),
      },
      tracing: true,
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  // The real command, assets bundled: what an operator runs before `cdk deploy`.
  it('synthesises with `cdk synth` offline, without AWS credentials', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
      const result = spawnSync(
        'npx',
        ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outdir],
        {
          cwd: PACKAGE_ROOT,
          env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
          encoding: 'utf8',
          timeout: 180_000,
        },
      );
      expect(result.status, result.stderr).toBe(0);
      const template = JSON.parse(readFileSync(join(outdir, 'ScimDirectorySync.template.json'), 'utf8')) as {
        Resources: Record<string, unknown>;
      };
      expect(Object.keys(template.Resources).length).toBeGreaterThan(50);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 200_000);
});
