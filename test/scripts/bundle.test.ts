import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_HANDLERS, API_HANDLER_MAX_BYTES, HANDLER_ENTRIES, type HandlerName } from '../../lib/bundling.ts';
import { bundleHandlers, formatReport } from '../../scripts/bundle.ts';

const outputDirectory = mkdtempSync(join(tmpdir(), 'handler-bundles-'));
afterAll(() => rmSync(outputDirectory, { recursive: true, force: true }));

describe('npm run build (handler bundles)', () => {
  for (const handler of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
    const isApi = API_HANDLERS.includes(handler);

    it(
      `${handler}: bundles to one ESM file exporting handler${isApi ? `, at most ${API_HANDLER_MAX_BYTES / 1024} KiB` : ''}`,
      async () => {
        const [result] = await bundleHandlers(outputDirectory, [handler]);
        if (result?.status !== 'bundled') throw new Error(result === undefined ? `${handler} was not bundled` : formatReport([result]));
        console.info(formatReport([result]));
        expect(result.exports).toContain('handler');
        expect(statSync(result.outputFile).size).toBe(result.bytes);
        expect(existsSync(`${result.outputFile}.map`)).toBe(true);
        if (isApi) {
          expect(result.limit).toBe(API_HANDLER_MAX_BYTES);
          expect(result.bytes, `${handler} is ${result.bytes} bytes`).toBeLessThanOrEqual(API_HANDLER_MAX_BYTES);
        } else {
          expect(result.overLimit).toBe(false);
        }
      },
      120_000,
    );
  }

  it('reports missing entries and handlers over the limit', () => {
    const report = formatReport([
      { handler: 'streamFanout', status: 'missing', entry: HANDLER_ENTRIES.streamFanout },
      { handler: 'users', status: 'bundled', bytes: 400 * 1024, limit: API_HANDLER_MAX_BYTES, overLimit: true, exports: ['handler'], outputFile: '/x/index.mjs' },
      { handler: 'admin', status: 'bundled', bytes: 512, overLimit: false, exports: ['handler'], outputFile: '/y/index.mjs' },
    ]);
    expect(report.split('\n')).toEqual([
      'streamFanout   missing: functions/handlers/stream-fanout.ts does not exist',
      'users' + ' '.repeat(11) + '400.0 KiB / 384.0 KiB  OVER LIMIT',
      'admin' + ' '.repeat(13) + '0.5 KiB',
    ]);
  });
});
