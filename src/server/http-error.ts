/**
 * Errors the HTTP API answers with. Every error response is
 * `{"error":{"code","message"}}`; the `code` is one of {@link HttpErrorCodes}
 * and stable, the message says what was wrong in words.
 */
import { ErrorCodes, isDroverError } from '../core/errors.js';

/** The stable `code` strings of error responses (docs/errors.md). */
export const HttpErrorCodes = {
  BAD_REQUEST: 'bad_request',
  BAD_JSON: 'bad_json',
  FORBIDDEN_KEY: 'forbidden_key',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  TOO_LARGE: 'too_large',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  NO_HERD: 'no_herd',
  TOO_MANY: 'too_many_requests',
  BROKER_FULL: 'broker_full',
  CLOSING: 'closing',
  UNAVAILABLE: 'unavailable',
  INTERNAL: 'internal',
} as const;

/** One of {@link HttpErrorCodes}. */
export type HttpErrorCode = (typeof HttpErrorCodes)[keyof typeof HttpErrorCodes];

/** The body of every error response. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

/** An error with the HTTP status and code the client should see. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: HttpErrorCode;

  constructor(statusCode: number, code: HttpErrorCode, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }

  /** The JSON body of this error. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** 404 for an unknown job id. */
export function jobNotFound(id: string): HttpError {
  return new HttpError(
    404,
    HttpErrorCodes.NOT_FOUND,
    `No job with id ${JSON.stringify(id)} (unknown, or its result expired)`,
  );
}

const FASTIFY_ERRORS: Record<string, [number, HttpErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, HttpErrorCodes.TOO_LARGE],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, HttpErrorCodes.UNSUPPORTED_MEDIA_TYPE],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, HttpErrorCodes.BAD_REQUEST],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, HttpErrorCodes.BAD_JSON],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, HttpErrorCodes.BAD_JSON],
};

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Body is empty but content-type is application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Body is not valid JSON',
};

/**
 * Maps anything thrown while serving a request to the error the client
 * sees. Bad input is always a 4xx; only real faults are a 5xx, and their
 * details stay in the log.
 */
export function toHttpError(error: unknown, bodyLimit: number): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FASTIFY_ERRORS) {
    const [status, httpCode] = FASTIFY_ERRORS[code]!;
    const message =
      code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `Request body is larger than ${bodyLimit} bytes`
        : (FASTIFY_MESSAGES[code] ?? 'Bad request');
    return new HttpError(status, httpCode, message);
  }
  if (isDroverError(error)) {
    const message = error.message;
    switch (error.code) {
      case ErrorCodes.INVALID_ARGUMENT:
      case ErrorCodes.CONFIG:
      case ErrorCodes.UNKNOWN_TASK:
      case ErrorCodes.INVALID_SCHEDULE:
        return new HttpError(400, HttpErrorCodes.BAD_REQUEST, message);
      case ErrorCodes.JOB_NOT_FOUND:
        return new HttpError(404, HttpErrorCodes.NOT_FOUND, message);
      case ErrorCodes.BROKER_FULL:
        return new HttpError(429, HttpErrorCodes.BROKER_FULL, message);
      case ErrorCodes.CLOSED:
        return new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
      case ErrorCodes.BROKER:
        return new HttpError(503, HttpErrorCodes.UNAVAILABLE, 'The store is unavailable; try again later');
      default:
        break;
    }
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, status === 413 ? HttpErrorCodes.TOO_LARGE : HttpErrorCodes.BAD_REQUEST, 'Bad request');
  }
  return new HttpError(500, HttpErrorCodes.INTERNAL, 'Internal server error; see the server log');
}
