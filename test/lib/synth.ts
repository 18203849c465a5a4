/**
 * Shared helpers of the CDK tests: synthesise the stack without bundling assets, and list the
 * handlers whose entry file is missing (NodejsFunction refuses a missing entry).
 */
import { existsSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_ENTRIES, handlerEntryPath, type HandlerName } from '../../lib/bundling.ts';
import { ScimDirectorySyncStack, type ScimDirectorySyncStackProps } from '../../lib/scim-directory-sync-stack.ts';

/** Handlers whose entry file does not exist. */
export function missingHandlers(): string[] {
  return (Object.keys(HANDLER_ENTRIES) as HandlerName[])
    .filter((name) => !existsSync(handlerEntryPath(name)))
    .map((name) => HANDLER_ENTRIES[name]);
}

/** An app whose stacks skip asset bundling (template assertions need no code). */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** The stack and its template. */
export function synthStack(props: ScimDirectorySyncStackProps = {}, app: App = testApp()) {
  const stack = new ScimDirectorySyncStack(app, 'Test', props);
  return { app, stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;

/** The template's resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

/** The logical id of the one resource whose logical id starts with `prefix` and has `type`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** A policy statement, normalised: actions and resources always arrays. */
export interface Statement {
  actions: string[];
  resources: unknown[];
  condition?: unknown;
}

/** Every Allow statement of the IAM policies attached to a role (inline `AWS::IAM::Policy` resources). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))) {
    const properties = policy['Properties'] as Json;
    const roles = properties['Roles'] as Array<{ Ref?: string }>;
    if (!roles.some((role) => role.Ref === roleLogicalId)) continue;
    const document = properties['PolicyDocument'] as { Statement: Json[] };
    for (const statement of document.Statement) {
      if (statement['Effect'] !== 'Allow') continue;
      const action = statement['Action'] as string | string[];
      const resource = statement['Resource'] as unknown;
      statements.push({
        actions: Array.isArray(action) ? action : [action],
        resources: Array.isArray(resource) ? resource : [resource],
        ...(statement['Condition'] !== undefined ? { condition: statement['Condition'] } : {}),
      });
    }
  }
  return statements;
}

/** All actions granted to a role, sorted and de-duplicated. */
export function actionsOfRole(template: Template, roleLogicalId: string): string[] {
  return [...new Set(statementsOfRole(template, roleLogicalId).flatMap((s) => s.actions))].sort();
}
