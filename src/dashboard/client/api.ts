import { getToken } from './token.js';

/** A refused API call: its HTTP status, error code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Headers of every API call: JSON, and the bearer token when one is kept. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  const token = getToken();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return headers;
}

/** The error a refused response stands for (401 says the token was refused). */
export async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) {
    message = getToken()
      ? 'The server refused this token (401). Enter the server secret in the Token field.'
      : 'This server needs a token (401). Enter the server secret in the Token field.';
  }
  return new ApiError(res.status, code, message);
}

/** Calls the API; resolves with the JSON body, rejects with an {@link ApiError}. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: authHeaders(), cache: 'no-store' };
  if (body !== undefined) {
    init.headers = authHeaders({ 'content-type': 'application/json' });
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', `Cannot reach the server (${method} ${path})`);
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}
