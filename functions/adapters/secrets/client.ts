/**
 * The Secrets Manager client of every Lambda, created once per process and injected.
 *
 * The SDK's defaults wait on a silent connection for minutes and try three times. Here one call
 * gives up within a few seconds: the SCIM functions read a secret on the request path (API
 * Gateway stops waiting after 29 s), and an admin command writes under a 15 s lease.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Limits of one Secrets Manager call: about (1 s + 2 s) × 2 attempts at worst, plus one backoff. */
export const SECRETS_MANAGER_LIMITS = {
  /** Milliseconds to open a connection. */
  connectionTimeoutMs: 1_000,
  /** Milliseconds a connection may stay silent while waiting for the answer. */
  requestTimeoutMs: 2_000,
  /** Attempts per call, the first one included. */
  maxAttempts: 2,
} as const;

/** A Secrets Manager client with the limits above; `endpoint` is for tests on loopback only. */
export function createSecretsManagerClient(options: { endpoint?: string; region?: string } = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    ...(options.region === undefined ? {} : { region: options.region }),
    maxAttempts: SECRETS_MANAGER_LIMITS.maxAttempts,
    requestHandler: {
      connectionTimeout: SECRETS_MANAGER_LIMITS.connectionTimeoutMs,
      requestTimeout: SECRETS_MANAGER_LIMITS.requestTimeoutMs,
      // Without this, an exceeded requestTimeout is only logged as a warning and the call waits on.
      throwOnRequestTimeout: true,
    },
  });
}
