/**
 * Lambda entry point of the member-journal sweeper, run every minute by a schedule: completes
 * group member journals, and deletes of users and groups, left open longer than a minute (their
 * request stopped mid-way and nobody has read the resource since), so that every one converges. Configuration and clients are built
 * once, at cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { requiredEnv } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { MemberJournals, type SweepReport } from '../service/member-journal.ts';

const logger = new Logger({ serviceName: process.env[ENV.serviceName] ?? 'scim-journal-sweeper' });
const journals = new MemberJournals(new DynamoDbScimRepository({ documentClient: createDocumentClient(createDynamoDbClient()), tableName: requiredEnv(ENV.tableName) }));

export const handler = middy<unknown, SweepReport>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler(async () => {
    const report = await journals.sweep({
      // Ids only: which group or resource of which directory, never a member's data.
      onFailure: (journal, error) =>
        journal.kind === 'members'
          ? logger.error('member journal not completed', { directoryId: journal.directoryId, groupId: journal.groupId, error: (error as Error).name })
          : logger.error('delete not completed', { directoryId: journal.directoryId, resourceType: journal.type, resourceId: journal.id, error: (error as Error).name }),
    });
    if (report.completed + report.failed > 0) logger.info('member journals swept', { ...report });
    // A journal that cannot be completed is an invocation error, which the function's error
    // alarm counts; the next run (a minute later) tries it again.
    if (report.failed > 0) throw new Error(`${report.failed} member journal(s) or delete(s) could not be completed`);
    return report;
  });
