/**
 * Lambda entry point for every path below a Tenant URL that no canonical SCIM route matches
 * (`/scim/v2/{directoryId}/{proxy+}`, any method): endpoint names in another letter case, served
 * by the same code as the Users, Groups and discovery functions, and a SCIM 404 for the rest.
 */
import { handleAnyScimRequest } from '../http/fallback-routes.ts';
import { resolveScimPath } from '../http/routes.ts';
import { lambdaDependencies, lambdaDirectoryService } from './lambda-dependencies.ts';
import { createScimHandler } from './scim-handler.ts';

const service = lambdaDirectoryService();

export const handler = createScimHandler((request) => handleAnyScimRequest(request, service), { ...lambdaDependencies(), resolvePath: resolveScimPath });
