/**
 * The credential provider bundled into the Lambda functions in place of the SDK's default chain.
 *
 * Lambda always hands a function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). The default chain would also carry SSO, shared config
 * files, web identity, ECS and instance-metadata providers and the STS/SSO clients they use: about
 * 90 KB of every bundle that can never run there. The bundler aliases
 * `@aws-sdk/credential-provider-node` to this module (see lib/bundling.ts); code run outside a
 * bundle (tests, the local runtime, the CLI) keeps the full default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and shape as the default chain's export, so the SDK clients' runtime config can call it unchanged. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
