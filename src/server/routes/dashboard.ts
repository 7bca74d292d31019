import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardAsset } from '../../dashboard/index.js';
import { DASHBOARD_HTML, FAVICON_SVG, isBuiltAssetName, readDashboardAsset } from '../../dashboard/index.js';
import { HttpError, HttpErrorCodes } from '../http-error.js';

/**
 * The page allows nothing external and nothing inline: its script and
 * styles are same-origin files, it talks only to this server, and it cannot
 * be framed.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /` (the dashboard page), `GET /dashboard.js` and `GET /assets/:file`
 * (its styles and icon). All static and public: the data comes from the
 * API, which needs the token.
 */
export function registerDashboardRoutes(fastify: FastifyInstance): void {
  fastify.get('/', { config: { access: 'public' } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(DASHBOARD_HTML),
  );
  fastify.get('/dashboard.js', { config: { access: 'public' } }, async (request, reply) =>
    sendAsset(request, reply, 'dashboard.js'),
  );
  fastify.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { access: 'public' } },
    async (request, reply) => {
      const { file } = request.params;
      if (file === 'favicon.svg')
        return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG);
      if (file !== 'dashboard.js' && isBuiltAssetName(file)) return sendAsset(request, reply, file);
      throw new HttpError(404, HttpErrorCodes.NOT_FOUND, `No dashboard asset ${file.slice(0, 100)}`);
    },
  );
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, name: 'dashboard.js' | 'dashboard.css') {
  const asset: DashboardAsset | undefined = readDashboardAsset(name);
  if (!asset) {
    throw new HttpError(
      503,
      HttpErrorCodes.UNAVAILABLE,
      `The dashboard's ${name} is not built: run \`npm run build\` (it goes to dist/dashboard/)`,
    );
  }
  reply.header('etag', asset.etag).header('cache-control', 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}
