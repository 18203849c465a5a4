/** Lambda entry point for the SCIM discovery endpoints (/ServiceProviderConfig, /ResourceTypes, /Schemas), behind API Gateway (REST API, proxy integration). */
import { handleDiscoveryRequest } from '../http/discovery-routes.ts';
import { lambdaDependencies } from './lambda-dependencies.ts';
import { createScimHandler } from './scim-handler.ts';

export const handler = createScimHandler(handleDiscoveryRequest, lambdaDependencies());
