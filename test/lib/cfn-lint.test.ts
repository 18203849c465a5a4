/**
 * The synthesised template against AWS's CloudFormation linter (cfn-lint, Python), which knows each
 * region's resource types and properties offline: no errors in any region of TESTED_REGIONS, with
 * the defaults and with every option on. Skipped, saying why, only where the linter is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import { afterAll, describe, expect, it } from 'vitest';
import { TESTED_REGIONS } from '../../lib/regions.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { synthStack, testApp } from './synth.ts';

const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8', timeout: 60_000 });
const linterMissing =
  probe.error !== undefined || probe.status !== 0
    ? `cfn-lint tests skipped: the cfn-lint command is not installed (pip install cfn-lint==1.51.0): ${probe.error?.message ?? probe.stderr}`
    : undefined;
// Skipped only when the external linter is not installed; a missing handler fails bundling.test.ts.
const skip = linterMissing;
if (skip !== undefined) console.warn(skip);

interface Finding {
  Level: string;
  Rule: { Id: string };
  Message: string;
  Location: { Path: unknown[] };
}

const workdir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** cfn-lint's findings for a template in the given regions. */
function lint(name: string, template: Template, regions: readonly string[]): Finding[] {
  const file = join(workdir, `${name}.json`);
  writeFileSync(file, JSON.stringify(template.toJSON()));
  const result = spawnSync('cfn-lint', ['--format', 'json', '--regions', ...regions, '--', file], {
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Exit codes are a bit mask of the levels found (2 errors, 4 warnings, 8 informational); 1 is a crash.
  if (result.error !== undefined || result.status === 1) throw new Error(`cfn-lint failed: ${result.error?.message ?? result.stderr}`);
  return JSON.parse(result.stdout || '[]') as Finding[];
}

const errorsOf = (findings: Finding[]) =>
  findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`);

describe.skipIf(skip !== undefined)('cfn-lint', () => {
  it(`finds no errors in the default template for ${TESTED_REGIONS.length} regions`, () => {
    expect(errorsOf(lint('default', synthStack().template, TESTED_REGIONS))).toEqual([]);
  }, 300_000);

  it('finds no errors with every option on', () => {
    const stack = new Stack(testApp(), 'Options');
    new ScimDirectorySync(stack, 'Scim', {
      encryptionKey: new kms.Key(stack, 'DataKey', { enableKeyRotation: true }),
      alarmEmail: 'ops@example.com',
      webAcl: { rateLimitPerFiveMinutes: 2000 },
      customDomain: {
        domainName: 'scim.example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000'),
      },
    });
    expect(errorsOf(lint('options', Template.fromStack(stack), ['us-east-1', 'eu-west-1', 'ap-south-2', 'mx-central-1']))).toEqual([]);
  }, 300_000);

  // The check above can fail: forced into a region without it, the schema registry is an error.
  it('reports the schema registry in a region that lacks it, when it is forced on', () => {
    const findings = lint('forced-registry', synthStack({ scim: { eventSchemaRegistry: true } }).template, ['ap-south-2']);
    expect(errorsOf(findings).join('\n')).toMatch(/AWS::EventSchemas::Registry/);
  }, 300_000);
});
