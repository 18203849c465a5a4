#!/usr/bin/env node
// Launcher of the scim-admin CLI: the CLI is TypeScript, so tsx compiles it on the fly.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../functions/cli/main.ts');
