/**
 * The `scim-admin` command line: directories, bearer tokens, Admin Portal links and provisioning
 * activity of a scim-directory-sync deployment, redrives of parked stream records, and event
 * replays (through the Directory API).
 * Parses arguments with commander, sends one admin command per action through a
 * transport (the deployed admin Lambda, or the local runtime with `--local`), and prints the
 * result for people or, with `--json`, for scripts.
 *
 * Exit codes: 0 success, 1 the command was refused (unknown directory, invalid name, too many
 * live tokens…), 2 bad usage, 3 the admin handler could not be reached or failed.
 *
 * A little over 400 lines: most of it is commander's declarative table of commands and options,
 * which reads best as one list; the printing lives in `format.ts` and the transports in
 * `transport.ts`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isAdminError } from '../admin/admin-error.ts';
import { PROVIDERS } from '../admin/directory-store.ts';
import { adminResultSchemas, type AdminCommand, type AdminCommandName, type AdminResult } from '../admin/commands.ts';
import { formatActivity, formatCreatedDirectory, formatRedrive, formatDirectories, formatDirectory, formatMintedToken, formatPortalLink, formatRotation, formatTokens } from './format.ts';
import { DirectoryApiClient, DirectoryApiError, type Replay } from '../client/index.ts';
import { DEFAULT_REDRIVE_MAX, MAX_REDRIVE } from '../fanout/redrive.ts';
import { adminRegion, lambdaTransport, localTransport, readRuntimeInfo, TransportError, type AdminTransport } from './transport.ts';
import { sleep as pause } from '../shared/sleep.ts';

export const EXIT = { ok: 0, refused: 1, usage: 2, unavailable: 3 } as const;

/** Where the CLI writes, and what it reads from its environment (injected in tests). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  /** Replaces the transport chosen from the options (tests). */
  transport?: (options: GlobalOptions) => Promise<AdminTransport>;
}

export interface GlobalOptions {
  json?: boolean;
  local?: boolean;
  dataDir: string;
  function?: string;
  region?: string;
}

/** A command refused by the admin handler. */
class RefusedError extends Error {
  override readonly name = 'RefusedError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Passes of a CLI-driven deletion (each pass is time-bounded by the handler). */
const MAX_DELETE_PASSES = 100_000;
/** Work time asked for per deletion pass: long enough to be efficient, short enough to show progress. */
const DELETE_PASS_BUDGET_MS = 20_000;

function positiveNumber(what: string) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`${what} must be a number of days`);
    return number;
  };
}

function wholeNumber(what: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < 1) throw new InvalidArgumentError(`${what} must be a whole number from 1`);
    return number;
  };
}

const AGO_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO 8601 time, or a span back from now such as `30m`, `2h` or `7d`. */
export function parseSince(value: string, nowMs = Date.now()): string {
  const ago = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (ago !== null) return new Date(nowMs - Number(ago[1]) * (AGO_UNITS_MS[ago[2] ?? 'm'] ?? 60_000)).toISOString();
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('--since must be an ISO 8601 time or a span such as 30m, 2h or 7d');
  return new Date(ms).toISOString();
}

function line(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Runs the CLI with the given arguments (without `node` and the script) and answers the exit code.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const sleep = io.sleep ?? pause;
  let transport: AdminTransport | undefined;
  let exitCode: number = EXIT.ok;

  const program = new Command('scim-admin')
    .description('Manage the directories, bearer tokens and Admin Portal links of a scim-directory-sync deployment.')
    .option('--json', 'print machine-readable JSON')
    .option('--local', 'act on the local runtime started with `npm start` instead of the deployed admin Lambda')
    .option('--data-dir <dir>', 'data directory of the local runtime (holds runtime.json)', '.data')
    .option('--function <name>', 'admin Lambda function name or ARN (default: $SCIM_ADMIN_FUNCTION)')
    .option('--region <region>', 'AWS region of the deployment (default: $AWS_REGION, $AWS_DEFAULT_REGION, the ARN, or the profile)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

  async function connect(options: GlobalOptions): Promise<AdminTransport> {
    if (io.transport !== undefined) return io.transport(options);
    if (options.local === true) return localTransport(options.dataDir);
    const functionName = options.function ?? io.env.SCIM_ADMIN_FUNCTION;
    if (functionName === undefined || functionName === '') {
      throw new CommanderError(EXIT.usage, 'scim-admin.noFunction', 'error: name the admin Lambda with --function <name> or SCIM_ADMIN_FUNCTION, or use --local');
    }
    return lambdaTransport(functionName, adminRegion(functionName, options.region, io.env));
  }

  /** Sends a command and parses its result with the command's schema. */
  async function send<C extends AdminCommandName>(command: Command, body: AdminCommand & { command: C }): Promise<AdminResult<C>> {
    transport ??= await connect(globals(command));
    const response = await transport.send(body);
    if (!response.ok) throw new RefusedError(response.error.code, response.error.message);
    const parsed = adminResultSchemas[body.command].safeParse(response.result);
    if (!parsed.success) throw new TransportError(`the admin handler answered ${body.command} with an unexpected shape`);
    return parsed.data as AdminResult<C>;
  }

  function print(command: Command, human: () => string, json: () => unknown): void {
    io.stdout.write(globals(command).json === true ? `${JSON.stringify(json(), null, 2)}\n` : line(human()));
  }

  const directory = program.command('directory').description('create, inspect, change and delete directories');

  directory
    .command('create')
    .description('create a directory and its first token; prints the Tenant URL and Secret Token')
    .requiredOption('--name <name>', 'display name, e.g. "Hero SaaS"')
    .addOption(new Option('--provider <provider>', 'identity provider').choices(PROVIDERS).makeOptionMandatory())
    .option('--organization <id>', "the host application's organization id")
    .action(async (options: { name: string; provider: (typeof PROVIDERS)[number]; organization?: string }, command: Command) => {
      const created = await send(command, {
        command: 'directory.create',
        name: options.name,
        provider: options.provider,
        ...(options.organization === undefined ? {} : { organizationId: options.organization }),
      });
      print(
        command,
        () => formatCreatedDirectory(created),
        () => ({
          directoryId: created.directory.id,
          tenantUrl: created.tenantUrl,
          token: created.token.token,
          tokenId: created.token.tokenId,
          directory: created.directory,
        }),
      );
    });

  directory
    .command('list')
    .description('list directories with their user and group counts')
    .option('--organization <id>', 'only the directories of this organization')
    .action(async (options: { organization?: string }, command: Command) => {
      const list = await send(command, { command: 'directory.list', ...(options.organization === undefined ? {} : { organizationId: options.organization }) });
      print(command, () => formatDirectories(list), () => ({ directories: list }));
    });

  directory
    .command('get <directoryId>')
    .description('show one directory')
    .action(async (directoryId: string, _options: unknown, command: Command) => {
      const view = await send(command, { command: 'directory.get', directoryId });
      print(command, () => formatDirectory(view), () => view);
    });

  directory
    .command('update <directoryId>')
    .description('rename a directory or change its organization')
    .option('--name <name>', 'new display name')
    .option('--organization <id>', 'new organization id')
    .option('--no-organization', 'remove the organization id')
    .action(async (directoryId: string, options: { name?: string; organization?: string | false }, command: Command) => {
      const view = await send(command, {
        command: 'directory.update',
        directoryId,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.organization === undefined ? {} : { organizationId: options.organization === false ? null : options.organization }),
      });
      print(command, () => `Directory updated.\n${formatDirectory(view)}`, () => view);
    });

  for (const [name, verb] of [
    ['disable', 'disabled: it refuses SCIM requests (within a minute) and keeps its data'],
    ['enable', 'enabled: it accepts SCIM requests again'],
  ] as const) {
    directory
      .command(`${name} <directoryId>`)
      .description(name === 'disable' ? 'make a directory refuse SCIM requests, keeping its data' : 'let a disabled directory accept SCIM requests again')
      .action(async (directoryId: string, _options: unknown, command: Command) => {
        const view = await send(command, { command: name === 'disable' ? 'directory.disable' : 'directory.enable', directoryId });
        print(command, () => `Directory ${view.id} ${verb}.`, () => view);
      });
  }

  directory
    .command('delete <directoryId>')
    .description('delete a directory: its tokens at once, then all its users, groups and memberships')
    .option('--background', 'let the admin Lambda finish the purge on its own (not with --local)')
    .action(async (directoryId: string, options: { background?: boolean }, command: Command) => {
      const json = globals(command).json === true;
      if (options.background === true && globals(command).local === true) {
        throw new CommanderError(EXIT.usage, 'scim-admin.background', 'error: --background needs the admin Lambda; drop it with --local');
      }
      let deleted = 0;
      for (let pass = 0; pass < MAX_DELETE_PASSES; pass++) {
        const progress = await send(command, {
          command: 'directory.delete',
          directoryId,
          budgetMs: DELETE_PASS_BUDGET_MS,
          ...(options.background === true ? { background: true } : {}),
        });
        deleted += progress.deletedItems;
        if (progress.done || progress.continuing === true) {
          print(
            command,
            () =>
              progress.done
                ? `Directory ${directoryId} deleted (${deleted} items purged).`
                : `Directory ${directoryId} is being deleted in the background (${deleted} items purged so far); its tokens no longer work. Follow progress in the admin function's logs.`,
            () => ({ directoryId, done: progress.done, phase: progress.phase, deletedItems: deleted, ...(progress.continuing === true ? { continuing: true } : {}) }),
          );
          return;
        }
        if (!json) {
          io.stderr.write(
            progress.phase === 'draining'
              ? `Deleting ${directoryId}: ${deleted} items purged; waiting ${Math.ceil((progress.retryAfterMs ?? 0) / 1000)} s for cached tokens to expire before the final sweep…\n`
              : `Deleting ${directoryId}: ${deleted} items purged so far…\n`,
          );
        }
        if (progress.phase === 'draining') await sleep(Math.min(progress.retryAfterMs ?? 1000, 120_000));
      }
      throw new TransportError(`directory ${directoryId} is still not deleted after ${MAX_DELETE_PASSES} passes`);
    });

  const token = program.command('token').description('create, list, rotate and revoke bearer tokens');

  token
    .command('create')
    .description('mint an extra token (at most two live tokens per directory)')
    .requiredOption('--directory <directoryId>', 'the directory')
    .option('--label <label>', 'what the token is for')
    .option('--expires-in-days <days>', 'expire the token after this many days', positiveNumber('--expires-in-days'))
    .action(async (options: { directory: string; label?: string; expiresInDays?: number }, command: Command) => {
      const minted = await send(command, {
        command: 'token.create',
        directoryId: options.directory,
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
      });
      print(command, () => formatMintedToken(options.directory, minted), () => ({ directoryId: options.directory, ...minted }));
    });

  token
    .command('list')
    .description("list a directory's tokens (never their values)")
    .requiredOption('--directory <directoryId>', 'the directory')
    .action(async (options: { directory: string }, command: Command) => {
      const tokens = await send(command, { command: 'token.list', directoryId: options.directory });
      print(command, () => formatTokens(tokens), () => ({ directoryId: options.directory, tokens }));
    });

  token
    .command('rotate')
    .description('mint a new token; the current one keeps working for a grace period')
    .requiredOption('--directory <directoryId>', 'the directory')
    .option('--label <label>', 'what the new token is for')
    .option('--grace-days <days>', 'how long the current token keeps working (default 7)', positiveNumber('--grace-days'))
    .action(async (options: { directory: string; label?: string; graceDays?: number }, command: Command) => {
      const rotated = await send(command, {
        command: 'token.rotate',
        directoryId: options.directory,
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.graceDays === undefined ? {} : { graceDays: options.graceDays }),
      });
      print(
        command,
        () => formatRotation(options.directory, rotated),
        () => ({
          directoryId: options.directory,
          ...rotated.token,
          ...(rotated.previous === undefined ? {} : { previousTokenId: rotated.previous.tokenId, previousTokenExpiresAt: rotated.previous.expiresAt }),
        }),
      );
    });

  token
    .command('revoke <tokenId>')
    .description('revoke a token at once (it stops working within a minute everywhere)')
    .requiredOption('--directory <directoryId>', 'the directory')
    .action(async (tokenId: string, options: { directory: string }, command: Command) => {
      const revoked = await send(command, { command: 'token.revoke', directoryId: options.directory, tokenId });
      print(command, () => `Token ${revoked.tokenId} revoked.`, () => ({ directoryId: options.directory, ...revoked }));
    });

  const events = program.command('events').description('change events on the EventBridge bus');
  events
    .command('replay')
    .description("replay one directory's events from the bus archive, through the Directory API")
    .requiredOption('--directory <directoryId>', 'the directory')
    .requiredOption('--from <time>', 'ISO 8601 time of the first event to replay')
    .option('--to <time>', 'ISO 8601 time the replay stops before (default: now)')
    .option('--api-url <url>', 'Directory API base URL, the DirectoryApiUrl output (default: $SCIM_DIRECTORY_API_URL)')
    .action(async (options: { directory: string; from: string; to?: string; apiUrl?: string }, command: Command) => {
      const replay = await startReplay(globals(command), options);
      print(
        command,
        () =>
          `Replay ${replay.replayName} (${replay.state}): events of ${replay.directoryId} from ${replay.from} to ${replay.to}` +
          (replay.replayedEvents === undefined ? '.' : `, ${replay.replayedEvents} replayed.`),
        () => replay,
      );
    });

  events
    .command('redrive')
    .description('publish again the stream records the fan-out parked (in stream order), and remove those delivered')
    .option('--directory <directoryId>', "only this directory's parked records (default: every directory's)")
    .option('--max <n>', `parked records to look at, at most (default ${DEFAULT_REDRIVE_MAX}, at most ${MAX_REDRIVE})`, wholeNumber('--max'))
    .option('--dry-run', 'map and count them, publish and remove nothing')
    .option('--from-queue', "the records the fan-out sent whole to the stream's dead-letter queue when the table failed too (in no particular order)")
    .action(async (options: { directory?: string; max?: number; dryRun?: boolean; fromQueue?: boolean }, command: Command) => {
      const report = await send(command, {
        command: 'events.redrive',
        ...(options.directory === undefined ? {} : { directoryId: options.directory }),
        ...(options.max === undefined ? {} : { max: options.max }),
        ...(options.dryRun === true ? { dryRun: true } : {}),
        ...(options.fromQueue === true ? { from: 'queue' as const } : {}),
      });
      print(command, () => formatRedrive(report), () => report);
    });

  /** Replays go through the Directory API (SigV4 with the operator's credentials; unsigned to the local runtime). */
  async function startReplay(global: GlobalOptions, options: { directory: string; from: string; to?: string; apiUrl?: string }): Promise<Replay> {
    let client: DirectoryApiClient;
    if (global.local === true) {
      const info = await readRuntimeInfo(global.dataDir);
      client = new DirectoryApiClient({ baseUrl: info.baseUrl.replace(/\/scim\/v2\/?$/, '/api/v1'), signing: 'none', maxAttempts: 1 });
    } else {
      const baseUrl = options.apiUrl ?? io.env.SCIM_DIRECTORY_API_URL;
      if (baseUrl === undefined || baseUrl === '') {
        throw new CommanderError(EXIT.usage, 'scim-admin.noApiUrl', 'error: name the Directory API with --api-url <DirectoryApiUrl output> or SCIM_DIRECTORY_API_URL, or use --local');
      }
      client = new DirectoryApiClient({ baseUrl });
    }
    try {
      return await client.startReplay(options.directory, { from: options.from, ...(options.to === undefined ? {} : { to: options.to }) });
    } catch (error) {
      if (error instanceof DirectoryApiError && error.status < 500) throw new RefusedError(error.scimType ?? `http${error.status}`, error.detail);
      throw new TransportError(`the Directory API could not start the replay: ${(error as Error).message}`);
    }
  }

  program
    .command('portal')
    .description("Admin Portal links for a customer's IT admin")
    .command('link')
    .description('make a one-time Admin Portal link (it opens once, within 5 minutes)')
    .requiredOption('--organization <id>', "the host application's organization id")
    .option('--directory <directoryId>', 'open the portal on this directory (it must belong to the organization)')
    .option('--return-url <url>', 'where "Back to the app" goes (https)')
    .action(async (options: { organization: string; directory?: string; returnUrl?: string }, command: Command) => {
      const link = await send(command, {
        command: 'portal.link',
        organizationId: options.organization,
        ...(options.directory === undefined ? {} : { directoryId: options.directory }),
        ...(options.returnUrl === undefined ? {} : { returnUrl: options.returnUrl }),
      });
      print(command, () => formatPortalLink(link), () => link);
    });

  program
    .command('activity')
    .description("show a directory's provisioning requests, newest first")
    .requiredOption('--directory <directoryId>', 'the directory')
    .option('--since <time>', 'only requests since this time (ISO 8601, or a span such as 30m, 2h, 7d)', (value: string) => parseSince(value))
    .option('--failed', 'only requests that failed')
    .option('--limit <n>', 'entries per page (default 50, at most 500)', wholeNumber('--limit'))
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (options: { directory: string; since?: string; failed?: boolean; limit?: number; cursor?: string }, command: Command) => {
      const page = await send(command, {
        command: 'activity.list',
        directoryId: options.directory,
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.failed === true ? { outcome: 'failure' as const } : {}),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      });
      print(command, () => formatActivity(page), () => ({ directoryId: options.directory, ...page }));
    });

  const wantsJson = args.includes('--json');
  const fail = (code: number, errorCode: string, message: string) => {
    io.stderr.write(wantsJson ? `${JSON.stringify({ error: { code: errorCode, message } })}\n` : `scim-admin: ${message}\n`);
    return code;
  };

  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests end through the same path, with exit code 0.
      if (error.exitCode === 0) return EXIT.ok;
      // Commander already printed its own usage errors; ours are printed here.
      if (error.code.startsWith('scim-admin.')) io.stderr.write(line(error.message));
      exitCode = EXIT.usage;
    } else if (error instanceof RefusedError || isAdminError(error)) {
      exitCode = fail(EXIT.refused, (error as RefusedError).code, error.message);
    } else if (error instanceof TransportError) {
      exitCode = fail(EXIT.unavailable, 'unavailable', error.message);
    } else {
      exitCode = fail(EXIT.unavailable, 'internal', `unexpected failure: ${(error as Error).name}: ${(error as Error).message}`);
    }
  } finally {
    transport?.close();
  }
  return exitCode;
}
