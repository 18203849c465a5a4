/**
 * Where the host application hears about directory changes: an EventBridge bus (created here with an
 * archive, or one the host app already has) and a schema registry describing each event type.
 *
 * The archive and the registry exist only in some regions (lib/regions.ts): where the stack's region
 * is known at synth time they are left out there, and an environment-agnostic stack gets
 * CloudFormation conditions on `AWS::Region` instead, so that one template deploys everywhere.
 *
 * Events are trusted by their `source`: a bus this construct creates refuses that source from
 * anyone but the fan-out (see `restrictSourceTo`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CfnCondition, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { encryptEventBus } from './encryption.ts';
import {
  ARCHIVE_UNAVAILABLE_REGIONS,
  availabilityInRegion,
  SCHEMA_REGISTRY_REGIONS,
  type RegionalAvailability,
} from './regions.ts';

/** Properties of {@link DirectoryEvents}. */
export interface DirectoryEventsProps {
  /** Publish on this bus instead of creating one (no archive is made for a bus we do not own). */
  readonly eventBus?: events.IEventBus;
  /** The `source` of every event. */
  readonly eventSource: string;
  /** How long the archive keeps events, for replay. Zero keeps them forever. @default 365 days */
  readonly archiveRetention?: Duration;
  /**
   * Name of the archive. A new name replaces the archive: CloudFormation creates an empty one and
   * deletes the old one with its events, which is how an erasure that cannot wait for the
   * retention purges it (EventBridge cannot delete single events). 1–48 of `A–Z a–z 0–9 . - _`.
   * @default a name CloudFormation generates
   */
  readonly archiveName?: string;
  /**
   * Folder of JSON Schema files, one per event type (`<detail-type>.json`), read at synth time.
   * Without files, the registry is created empty. `false`: no registry at all.
   */
  readonly schemasDirectory?: string | false;
  /**
   * Create the schema registry. `true` everywhere (the deploy fails where the region lacks it),
   * `false` nowhere. @default only in the regions of SCHEMA_REGISTRY_REGIONS
   */
  readonly schemaRegistry?: boolean;
  /** Customer-managed key of the created bus and its archive. @default AWS owned keys */
  readonly encryptionKey?: kms.IKey;
}

/** The bus policy statement that keeps this service's `source` to its publishers. */
export function sourceGuardStatement(options: { eventBusArn: string; eventSource: string; publisherRoleArns: string[] }): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OnlyThisServicePublishesItsSource',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['events:PutEvents'],
    resources: [options.eventBusArn],
    conditions: {
      StringEquals: { 'events:source': options.eventSource },
      // A negated operator with several values holds when the principal is none of them.
      ArnNotEquals: { 'aws:PrincipalArn': options.publisherRoleArns },
    },
  });
}

/** One event schema found at synth time. */
export interface EventSchemaFile {
  /** File name without `.json`; becomes the schema name in the registry. */
  readonly name: string;
  /** The schema document, as written in the file. */
  readonly content: string;
}

/** The JSON schema files of a folder, sorted by name (missing folder: none). */
export function readEventSchemaFiles(directory: string): EventSchemaFile[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const content = readFileSync(join(directory, file), 'utf8');
      // Fail the synth on a broken file rather than the deploy.
      JSON.parse(content);
      return { name: basename(file, '.json'), content };
    });
}

/** The bus, its archive and the schema registry. */
export class DirectoryEvents extends Construct {
  readonly eventBus: events.IEventBus;
  readonly eventSource: string;
  readonly archive?: events.Archive;
  readonly schemaRegistry?: eventschemas.CfnRegistry;
  readonly schemas: eventschemas.CfnSchema[] = [];
  /** Whether the archive is deployed (only with a created bus). */
  readonly archiveAvailability: RegionalAvailability = false;
  /** Whether the registry is deployed: known at synth time, or decided by CloudFormation from the region. */
  readonly schemaRegistryAvailability: RegionalAvailability;
  /** The bus, when this construct created it (and so may set its policy). */
  readonly #ownBus: events.EventBus | undefined;

  constructor(scope: Construct, id: string, props: DirectoryEventsProps) {
    super(scope, id);
    this.eventSource = props.eventSource;

    if (props.eventBus !== undefined) {
      this.eventBus = props.eventBus;
      this.#ownBus = undefined;
    } else {
      const bus = new events.EventBus(this, 'Bus', {
        description: 'Changes of SCIM directories: users, groups, memberships, directories',
      });
      const archiveAvailability = availabilityInRegion(this, 'ArchiveRegion', Stack.of(this).region, ARCHIVE_UNAVAILABLE_REGIONS, 'except');
      this.archiveAvailability = archiveAvailability;
      if (archiveAvailability !== false) {
        // The archive holds every event, personal data included, for its whole retention.
        if (props.archiveName !== undefined && !/^[.\-_A-Za-z0-9]{1,48}$/.test(props.archiveName)) {
          throw new Error(`archiveName must be 1 to 48 of A-Z a-z 0-9 . - _, not "${props.archiveName}"`);
        }
        this.archive = bus.archive('Archive', {
          description: 'Every directory event, for replay',
          eventPattern: { source: [props.eventSource] },
          retention: props.archiveRetention ?? Duration.days(365),
          ...(props.archiveName === undefined ? {} : { archiveName: props.archiveName }),
        });
        onlyIf(this.archive.node.defaultChild as CfnResource, archiveAvailability);
      }
      if (props.encryptionKey !== undefined) encryptEventBus(bus, this.archive, props.encryptionKey);
      this.eventBus = bus;
      this.#ownBus = bus;
    }

    this.schemaRegistryAvailability =
      props.schemaRegistry ?? availabilityInRegion(this, 'SchemaRegistryRegion', Stack.of(this).region, SCHEMA_REGISTRY_REGIONS, 'only');
    if (props.schemasDirectory !== false && props.schemasDirectory !== undefined && this.schemaRegistryAvailability !== false) {
      const registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
        description: `Event schemas of ${props.eventSource} (stack ${Stack.of(this).stackName})`,
      });
      onlyIf(registry, this.schemaRegistryAvailability);
      this.schemaRegistry = registry;
      for (const file of readEventSchemaFiles(props.schemasDirectory)) {
        this.schemas.push(
          new eventschemas.CfnSchema(this, `Schema-${file.name}`, {
            registryName: registry.attrRegistryName,
            schemaName: file.name,
            type: 'JSONSchemaDraft4',
            content: file.content,
            description: `${file.name} event`,
          }),
        );
        onlyIf(this.schemas[this.schemas.length - 1]!, this.schemaRegistryAvailability);
      }
    }
  }

  /**
   * Denies `events:PutEvents` with this service's `source` on the bus to every principal but
   * `publishers` (the fan-out's role, and the admin function's, which re-drives parked records). An identity policy granting `events:PutEvents` anywhere in
   * the account would otherwise let its holder forge directory events; an explicit deny in the
   * bus policy overrides any such allow. Events of other sources are not affected.
   *
   * Only on a bus this construct created: an imported bus's policy belongs to its owner, who
   * should add the same statement (docs/events.md, "Who may publish"). Answers whether it was set.
   */
  restrictSourceTo(...publishers: iam.IRole[]): boolean {
    if (this.#ownBus === undefined) return false;
    this.#ownBus.addToResourcePolicy(
      sourceGuardStatement({ eventBusArn: this.#ownBus.eventBusArn, eventSource: this.eventSource, publisherRoleArns: publishers.map((role) => role.roleArn) }),
    );
    return true;
  }
}

/** Deploys `resource` only where `availability` holds (a `true` needs no condition). */
function onlyIf(resource: CfnResource, availability: RegionalAvailability): void {
  if (availability instanceof CfnCondition) resource.cfnOptions.condition = availability;
}
