import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, HttpErrorCodes } from './http-error.js';

/**
 * fastify's JSON parser with prototype-poisoning protection set to `error`
 * (bodies with `__proto__` or `constructor.prototype` keys are refused),
 * whose refusal names the reason instead of "not valid JSON".
 */
export function jsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<string> {
  // fastify's default parser is the callback kind of FastifyBodyParser.
  const parse = fastify.getDefaultJsonParser('error', 'error') as CallbackParser;
  return (request, body, done) => {
    parse(request, body, (error, value) => {
      if (error && isValidJson(body)) {
        done(
          new HttpError(
            400,
            HttpErrorCodes.FORBIDDEN_KEY,
            'Body contains a forbidden key (__proto__ or constructor.prototype)',
          ),
          undefined,
        );
        return;
      }
      done(error, value);
    });
  };
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

type CallbackParser = (
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, value?: unknown) => void,
) => void;
