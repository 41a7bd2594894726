import { Type } from '@sinclair/typebox';
import { KasirError } from '../../../core/errors.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookEndpoints, WEBHOOK_EVENTS, type WebhookEndpoint } from '../../../core/notifications/webhook-endpoints.ts';
import { literals } from '../../../core/schema-helpers.ts';
import { parseJsonObject, validator } from '../../../http/validate.ts';
import { ok } from '../render.ts';
import type { NativeDeps, NativeRequest } from '../route.ts';

const EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as (keyof typeof WEBHOOK_EVENTS)[];
const check = validator(
  Type.Object(
    {
      url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
      events: Type.Array(literals(EVENT_NAMES), { minItems: 1, maxItems: EVENT_NAMES.length, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
);

const render = (e: WebhookEndpoint) => ({ id: e.id, url: e.url, events: e.events, createdAt: e.createdAt.toISOString() });

export async function createEndpointHandler(deps: NativeDeps, r: NativeRequest) {
  const body = check.check(parseJsonObject(r.body, false));
  try {
    new URL(body.url);
  } catch {
    throw new KasirError('INVALID_PARAMETER', 'url is not a valid URL', { field: 'url' });
  }
  const created = await createWebhookEndpoint(deps.merchants, r.ctx.merchant.id, body.url, body.events);
  return ok({ ...render(created), secret: created.secret }, 201);
}

export async function listEndpointsHandler(deps: NativeDeps, r: NativeRequest) {
  return ok({ object: 'list', data: (await listWebhookEndpoints(deps.merchants, r.ctx.merchant.id)).map(render) });
}

export async function deleteEndpointHandler(deps: NativeDeps, r: NativeRequest) {
  await deleteWebhookEndpoint(deps.merchants, r.ctx.merchant.id, r.params.id);
  return ok({ id: r.params.id, deleted: true });
}
