import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../functions/auth/config.ts';
import { fanoutConfigFromEnv } from '../../functions/fanout/config.ts';

const env = { TABLE_NAME: 't', EVENT_BUS_NAME: 'bus', SCIM_BASE_URL: 'https://api.example.com/v1/scim/v2/' };

describe('fanoutConfigFromEnv', () => {
  it('reads the environment with defaults', () => {
    expect(fanoutConfigFromEnv(env)).toEqual({
      tableName: 't',
      eventBusName: 'bus',
      eventSource: 'scim-directory-sync',
      scimBaseUrl: 'https://api.example.com/v1/scim/v2',
      organizationCacheTtlMs: 10_000,
    });
    expect(fanoutConfigFromEnv({ ...env, EVENT_SOURCE: 'com.example.scim', ORGANIZATION_CACHE_TTL_SECONDS: '5' })).toMatchObject({ eventSource: 'com.example.scim', organizationCacheTtlMs: 5000 });
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/stream-dlq';
    expect(fanoutConfigFromEnv({ ...env, DEAD_LETTER_QUEUE_URL: queueUrl })).toMatchObject({ deadLetterQueueUrl: queueUrl });
  });

  it.each([
    ['TABLE_NAME missing', { ...env, TABLE_NAME: '' }],
    ['EVENT_BUS_NAME missing', { ...env, EVENT_BUS_NAME: undefined }],
    ['SCIM_BASE_URL missing', { ...env, SCIM_BASE_URL: ' ' }],
    ['SCIM_BASE_URL not a URL', { ...env, SCIM_BASE_URL: 'api/scim' }],
    ['a cache TTL out of range', { ...env, ORGANIZATION_CACHE_TTL_SECONDS: '900' }],
  ])('fails at cold start with %s', (_, bad) => {
    expect(() => fanoutConfigFromEnv(bad)).toThrow(ConfigurationError);
  });
});
