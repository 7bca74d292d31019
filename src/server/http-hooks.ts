import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BearerAuth } from './auth.js';
import type { RouteAccess } from './auth.js';
import { FailureLog } from './failure-log.js';
import { AuthThrottle } from './gateway/auth-throttle.js';
import { HttpError, HttpErrorCodes, toHttpError } from './http-error.js';
import { jsonBodyParser } from './json-body.js';
import { loopbackOnlyRefusal } from './loopback.js';

/** What the request hooks need to know. */
export interface HookOptions {
  logger: Logger;
  secret: string | undefined;
  protectMetrics: boolean;
  bodyLimit: number;
  /** Aborted once the server starts shutting down. */
  closing: AbortSignal;
  /** Failed authentications from one address before it gets 429s. */
  authFailuresBeforeThrottle: number;
}

/** A request's path without its query string (which may carry anything, even a secret: never logged). */
export function pathOf(url: string): string {
  const end = url.indexOf('?');
  return (end === -1 ? url : url.slice(0, end)).slice(0, 200);
}

/**
 * Installs what every request goes through, in order: refusal while
 * closing (503), a foreign `Host` or `Origin` on a server without a secret
 * (403, DNS rebinding), an address that failed authentication too often
 * (429), authentication (401), the JSON body parser, uniform
 * `{"error":{"code","message"}}` errors and 404s, and a debug log line.
 * Query strings are never logged. Returns a function that flushes the
 * failure summary (call it on close).
 */
export function installHttpHooks(fastify: FastifyInstance, options: HookOptions): () => void {
  const auth = options.secret === undefined ? undefined : new BearerAuth(options.secret);
  const { logger } = options;
  const throttle = new AuthThrottle({ threshold: options.authFailuresBeforeThrottle });
  const failures = new FailureLog(logger, 'requests without the right bearer token');

  // Only JSON bodies (415 otherwise); `/herd` adds its own gofherd-compatible parsers.
  fastify.removeContentTypeParser('text/plain');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(fastify));

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (options.closing.aborted) {
      reply.header('connection', 'close');
      throw new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
    }
    if (!auth) {
      const refusal = loopbackOnlyRefusal(request.headers.host, request.headers.origin);
      if (refusal !== undefined) throw new HttpError(403, HttpErrorCodes.FORBIDDEN, refusal);
    }
    const access: RouteAccess = request.routeOptions.config.access ?? 'protected';
    if (!auth || access === 'public' || (access === 'metrics' && !options.protectMetrics)) return;
    const blocked = throttle.blockedFor(request.ip);
    if (blocked > 0) {
      reply.header('retry-after', String(Math.ceil(blocked / 1000)));
      throw new HttpError(
        429,
        HttpErrorCodes.TOO_MANY,
        'Too many requests without the right bearer token from this address; retry later',
      );
    }
    if (!auth.verify(request.headers.authorization)) {
      throttle.failure(request.ip);
      failures.note(
        request.ip,
        { method: request.method, path: pathOf(request.url) },
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
      logger.error({ err: error, method: request.method, path: pathOf(request.url) }, 'request failed');
    } else {
      logger.debug(
        { method: request.method, path: pathOf(request.url), status: http.statusCode, code: http.code },
        http.message,
      );
    }
    if (http.statusCode === 503) reply.header('retry-after', '5');
    if (http.statusCode === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
    return reply.code(http.statusCode).send(http.toBody());
  });

  fastify.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const http = new HttpError(404, HttpErrorCodes.NOT_FOUND, `No route ${request.method} ${path}`);
    return reply.code(404).send(http.toBody());
  });

  fastify.addHook('onResponse', async (request, reply) => {
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        {
          method: request.method,
          path: pathOf(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
  });
  return () => failures.close();
}
