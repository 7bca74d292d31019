import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ScheduleInfo } from '../../core/app-schedules.js';
import { jobOptionsFromJson } from '../../core/options-table.js';
import { HttpError, HttpErrorCodes } from '../http-error.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { scheduleBodySchema, scheduleParamsSchema } from '../schedule-schemas.js';
import { noQuerySchema } from '../schemas.js';

/** Most schedules one answer lists. */
export const MAX_SCHEDULES_LISTED = 1000;

const emptyBodySchema = z.union([z.undefined(), z.null(), z.strictObject({})]);

function scheduleNotFound(name: string): HttpError {
  return new HttpError(404, HttpErrorCodes.NOT_FOUND, `No schedule named ${JSON.stringify(name)}`);
}

/** A schedule as JSON: unset times are `null`. */
export function toScheduleView(info: ScheduleInfo): Record<string, unknown> {
  return { ...info, nextAt: info.nextAt ?? null, lastAt: info.lastAt ?? null, lastJobId: info.lastJobId ?? null };
}

/**
 * `GET /v1/schedules`, `PUT|DELETE /v1/schedules/:name`,
 * `POST /v1/schedules/:name/pause|resume` (docs/scheduling.md): the broker's
 * schedules, the same list every app and `drover schedules` see.
 */
export function registerScheduleRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const { app } = ctx;
  const find = async (name: string): Promise<ScheduleInfo> => {
    const info = (await app.schedules()).find((s) => s.name === name);
    if (!info) throw scheduleNotFound(name);
    return info;
  };

  fastify.get('/v1/schedules', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    const all = await app.schedules();
    return {
      schedules: all.slice(0, MAX_SCHEDULES_LISTED).map(toScheduleView),
      truncated: all.length > MAX_SCHEDULES_LISTED,
    };
  });

  fastify.put('/v1/schedules/:name', async (request, reply) => {
    const { name } = parseInput(scheduleParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    const body = parseInput(scheduleBodySchema, request.body, 'body');
    const { task, args, options, ...timing } = body;
    const spec = Object.fromEntries(Object.entries(timing).filter(([, v]) => v !== undefined));
    const put = await app.schedule(name, spec, task, args, jobOptionsFromJson(options));
    ctx.logger.info({ schedule: name, put }, 'schedule stored');
    return reply.code(put === 'created' ? 201 : 200).send({ put, schedule: toScheduleView(await find(name)) });
  });

  fastify.delete('/v1/schedules/:name', async (request) => {
    const { name } = parseInput(scheduleParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    parseInput(emptyBodySchema, request.body, 'body');
    if (!(await app.unschedule(name))) throw scheduleNotFound(name);
    ctx.logger.info({ schedule: name }, 'schedule removed');
    return { name, removed: true };
  });

  for (const action of ['pause', 'resume'] as const) {
    fastify.post(`/v1/schedules/:name/${action}`, async (request) => {
      const { name } = parseInput(scheduleParamsSchema, request.params, 'path');
      parseInput(noQuerySchema, request.query, 'query');
      parseInput(emptyBodySchema, request.body, 'body');
      const found = action === 'pause' ? await app.pauseSchedule(name) : await app.resumeSchedule(name);
      if (!found) throw scheduleNotFound(name);
      return { name, paused: action === 'pause' };
    });
  }
}
