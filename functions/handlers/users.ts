/** Lambda entry point for the SCIM /Users endpoints, behind API Gateway (REST API, proxy integration). */
import { handleResourceRequest } from '../http/resource-routes.ts';
import { lambdaDependencies, lambdaDirectoryService } from './lambda-dependencies.ts';
import { createScimHandler } from './scim-handler.ts';

const service = lambdaDirectoryService();

export const handler = createScimHandler((request) => handleResourceRequest('User', request, service), lambdaDependencies());
