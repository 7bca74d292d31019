/** The queue-control operations of the OpenAPI document (routes in `routes/queue-control.ts`). */
import type { Operation } from './openapi.js';
import { errorBodySchema } from './openapi-schemas.js';
import {
  purgeBodySchema,
  queueActionSchema,
  queuePatchSchema,
  queueSettingsViewSchema,
  queueViewSchema,
} from './queue-schemas.js';
import { z } from 'zod';

const settingsAnswer = z.object({ queue: z.string(), settings: queueSettingsViewSchema });
const noFlowControl = [
  'The broker has no queue settings or flow control (the message says which)',
  errorBodySchema,
] as [string, z.ZodType];

/** `GET|PATCH /v1/queues/{queue}` and its actions. */
export function queueOperations(): Operation[] {
  const action = (path: string, summary: string, body?: z.ZodType): Operation => ({
    method: 'post',
    path: `/v1/queues/{queue}/${path}`,
    summary,
    access: 'protected',
    ...(body ? { body } : {}),
    responses: { 200: ['How many jobs it touched', queueActionSchema], 400: noFlowControl },
  });
  const toggle = (path: string, summary: string): Operation => ({
    method: 'post',
    path: `/v1/queues/{queue}/${path}`,
    summary,
    access: 'protected',
    responses: { 200: ['The settings now', settingsAnswer], 400: noFlowControl },
  });
  return [
    {
      method: 'get',
      path: '/v1/queues/{queue}',
      summary: 'A queue’s settings (over the defaults) and, on a broker with flow control, its limits',
      access: 'protected',
      responses: { 200: ['Settings and limits', queueViewSchema], 400: noFlowControl },
    },
    {
      method: 'patch',
      path: '/v1/queues/{queue}',
      summary: 'Change a queue’s settings (rateLimit, groupConcurrency, retention, paused); null puts one back',
      access: 'protected',
      body: queuePatchSchema,
      bodyRequired: true,
      responses: { 200: ['The settings now', settingsAnswer], 400: noFlowControl },
    },
    toggle('pause', 'Pause the queue: no worker leases from it; its jobs stay queued'),
    toggle('resume', 'Resume a paused queue'),
    action('drain', 'Cancel every job that waits (queued or delayed); running jobs are left alone'),
    action('retry-failed', 'Re-run every failed job of the queue'),
    action(
      'purge',
      'Delete finished jobs of the queue (succeeded, failed, cancelled), or only those finished `olderThan` ms ago',
      purgeBodySchema,
    ),
  ];
}
