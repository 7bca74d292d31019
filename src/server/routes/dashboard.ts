import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT } from '../../dashboard/index.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * `GET /` (the dashboard page) and `GET /dashboard.js`. Both are static and
 * public; the data comes from the API, which needs the token.
 */
export function registerDashboardRoutes(fastify: FastifyInstance): void {
  fastify.get('/', { config: { access: 'public' } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-cache')
      .send(DASHBOARD_HTML),
  );
  fastify.get('/dashboard.js', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(DASHBOARD_SCRIPT),
  );
}
