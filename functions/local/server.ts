/**
 * The local HTTP front: it plays API Gateway's part for `npm start` and the end-to-end tests.
 * Each request is matched against the same routes the stack deploys, turned into a REST API
 * proxy event and given to the very Lambda handler that serves it in AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ScimError } from '../core/error.ts';
import { errorResponse } from '../http/scim-http.ts';
import { matchRoute, NO_HANDLER_DETAIL, NO_ROUTE_DETAIL, type Endpoint, type MatchedRoute } from '../http/routes.ts';

/** A handler as createScimHandler builds it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The handler of each endpoint this server serves; a route of any other endpoint answers 404. The
 * server looks a handler up per request, so one that needs the server's URL may be added after it starts.
 */
export type EndpointHandlers = Partial<Record<Endpoint, ProxyHandler>>;

/** API Gateway's own payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

function send(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  // API Gateway sends each value of a multi-value header (Set-Cookie) as a header of its own.
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new ScimError(413, 'The request body is too large');
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

function lambdaContext(endpoint: Endpoint): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `scim-directory-sync-local-${endpoint.toLowerCase()}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:scim-directory-sync-local-${endpoint.toLowerCase()}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Builds the REST API proxy event API Gateway would send for this request. */
function toEvent(request: IncomingMessage, url: URL, route: MatchedRoute, body: string | undefined): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values.join(', ');
    multiValueHeaders[name] = values;
  }
  headers['x-forwarded-proto'] = 'http';
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiValueQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: (request.method ?? 'GET').toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: route.pathParameters,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: (request.method ?? 'GET').toUpperCase(),
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: url.pathname,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.resource,
      domainName: request.headers.host ?? '127.0.0.1',
    },
  };
}

export interface LocalServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>`: the API's base; routes (`/scim/v2`, `/api/v1`, `/portal`) follow it. */
  origin: string;
  /** `http://127.0.0.1:<port>/scim/v2` */
  scimBaseUrl: string;
  close(): Promise<void>;
}

/**
 * Serves the given handlers on loopback, matched against every route of the API (all three doors).
 * API Gateway's own checks are not played: a `/api/v1` route, IAM-authorised in AWS, accepts
 * unsigned requests here. Port 0 picks a free port.
 */
export async function startLocalServer(handlers: EndpointHandlers, options: { port: number; host?: string }): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', `http://${request.headers.host ?? host}`);
        const route = matchRoute((request.method ?? 'GET').toUpperCase(), url.pathname);
        if (route === undefined) {
          send(response, errorResponse(new ScimError(404, NO_ROUTE_DETAIL)));
          return;
        }
        const handler = handlers[route.endpoint];
        if (handler === undefined) {
          send(response, errorResponse(new ScimError(404, NO_HANDLER_DETAIL)));
          return;
        }
        const body = await readBody(request);
        send(response, await handler(toEvent(request, url, route, body), lambdaContext(route.endpoint)));
      } catch (error) {
        send(response, errorResponse(error));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://${host}:${port}`,
    scimBaseUrl: `http://${host}:${port}/scim/v2`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
