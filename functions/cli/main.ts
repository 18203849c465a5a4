/**
 * Entry point of the `scim-admin` CLI (see `bin/scim-admin.mjs`, which loads this file through tsx).
 */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
