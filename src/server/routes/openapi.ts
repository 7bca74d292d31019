import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from '../openapi.js';
import type { OpenApiDocument } from '../openapi.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/** Version of the HTTP API in its OpenAPI document. */
export const API_VERSION = '1';

/** `GET /v1/openapi.json`: the OpenAPI 3.1 description of this server's API, built once from its route schemas. */
export function registerOpenApiRoute(fastify: FastifyInstance, ctx: RouteContext): void {
  let document: OpenApiDocument | undefined;
  fastify.get('/v1/openapi.json', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    document ??= buildOpenApi(ctx.limits, API_VERSION);
    return document;
  });
}
