/**
 * Where the host application hears about directory changes: an EventBridge bus (created here with an
 * archive, or one the host app already has) and a schema registry describing each event type.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';

/** Properties of {@link DirectoryEvents}. */
export interface DirectoryEventsProps {
  /** Publish on this bus instead of creating one (no archive is made for a bus we do not own). */
  readonly eventBus?: events.IEventBus;
  /** The `source` of every event. */
  readonly eventSource: string;
  /** How long the archive keeps events, for replay. Zero keeps them forever. @default 365 days */
  readonly archiveRetention?: Duration;
  /**
   * Folder of JSON Schema files, one per event type (`<detail-type>.json`), read at synth time.
   * Without files, the registry is created empty. `false`: no registry at all.
   */
  readonly schemasDirectory?: string | false;
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

  constructor(scope: Construct, id: string, props: DirectoryEventsProps) {
    super(scope, id);
    this.eventSource = props.eventSource;

    if (props.eventBus !== undefined) {
      this.eventBus = props.eventBus;
    } else {
      const bus = new events.EventBus(this, 'Bus', {
        description: 'Changes of SCIM directories: users, groups, memberships, directories',
      });
      this.archive = bus.archive('Archive', {
        description: 'Every directory event, for replay',
        eventPattern: { source: [props.eventSource] },
        retention: props.archiveRetention ?? Duration.days(365),
      });
      this.eventBus = bus;
    }

    if (props.schemasDirectory !== false && props.schemasDirectory !== undefined) {
      const registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
        description: `Event schemas of ${props.eventSource} (stack ${Stack.of(this).stackName})`,
      });
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
      }
    }
  }
}
