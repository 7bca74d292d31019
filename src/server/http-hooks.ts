import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BearerAuth } from './auth.js';
import type { RouteAccess } from './auth.js';
import { HttpError, HttpErrorCodes, toHttpError } from './http-error.js';
import { jsonBodyParser } from './json-body.js';

/** What the request hooks need to know. */
export interface HookOptions {
  logger: Logger;
  secret: string | undefined;
  protectMetrics: boolean;
  bodyLimit: number;
  /** Aborted once the server starts shutting down. */
  closing: AbortSignal;
}

/**
 * Installs what every request goes through, in order: refusal while
 * closing (503), authentication (401), the JSON body parser, uniform
 * `{"error":{"code","message"}}` errors and 404s, and a debug log line.
 */
export function installHttpHooks(fastify: FastifyInstance, options: HookOptions): void {
  const auth = options.secret === undefined ? undefined : new BearerAuth(options.secret);
  const { logger } = options;

  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(fastify));

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (options.closing.aborted) {
      reply.header('connection', 'close');
      throw new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
    }
    const access: RouteAccess = request.routeOptions.config.access ?? 'protected';
    if (!auth || access === 'public' || (access === 'metrics' && !options.protectMetrics)) return;
    if (!auth.verify(request.headers.authorization)) {
      logger.warn(
        { method: request.method, url: request.url, ip: request.ip },
        'refused a request without the right bearer token',
      );
      reply.header('www-authenticate', 'Bearer realm="drover"');
      throw new HttpError(
        401,
        HttpErrorCodes.UNAUTHORIZED,
        'Missing or wrong bearer token: send Authorization: Bearer <secret>',
      );
    }
  });

  fastify.setErrorHandler((error, request, reply) => {
    const http = toHttpError(error, options.bodyLimit);
    if (http.statusCode >= 500 && http.code === HttpErrorCodes.INTERNAL) {
      logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
    } else {
      logger.debug(
        { method: request.method, url: request.url, status: http.statusCode, code: http.code },
        http.message,
      );
    }
    if (http.statusCode === 503) reply.header('retry-after', '5');
    return reply.code(http.statusCode).send(http.toBody());
  });

  fastify.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    const http = new HttpError(404, HttpErrorCodes.NOT_FOUND, `No route ${request.method} ${path}`);
    return reply.code(404).send(http.toBody());
  });

  fastify.addHook('onResponse', async (request, reply) => {
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
    }
  });
}
