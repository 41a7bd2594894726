// Native webhook endpoints: a merchant registers a URL and the event names it wants; the signing
// secret (Standard Webhooks `whsec_…`) is shown once. Stored as credentials of dialect 'webhook'
// so the outbox statement can join them (core/payments/repo.ts) and the worker can sign.
import { randomBytes } from 'node:crypto';
import { KasirError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { MerchantDeps } from '../merchants/merchants.ts';

/** Public event name → the core payment events that raise it. */
export const WEBHOOK_EVENTS = {
  'payment.succeeded': ['succeeded', 'captured'],
  'payment.requires_action': ['action_required'],
  'payment.requires_capture': ['authorized'],
  'payment.canceled': ['canceled'],
  'payment.partially_canceled': ['partially_canceled'],
  'payment.failed': ['failed'],
  'payment.expired': ['expired'],
  'refund.succeeded': ['refunded'],
} as const satisfies Record<string, readonly string[]>;
export type WebhookEventName = keyof typeof WEBHOOK_EVENTS;

export function webhookEventFor(coreEvent: string): WebhookEventName | null {
  for (const [name, core] of Object.entries(WEBHOOK_EVENTS)) if ((core as readonly string[]).includes(coreEvent)) return name as WebhookEventName;
  return null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventName[];
  createdAt: Date;
}

export async function createWebhookEndpoint(deps: MerchantDeps, merchantId: string, url: string, events: WebhookEventName[]): Promise<WebhookEndpoint & { secret: string }> {
  const id = 'we_' + uuidv7(deps.clock).replace(/-/g, '');
  const secret = 'whsec_' + randomBytes(24).toString('base64');
  const coreEvents = [...new Set(events.flatMap((e) => WEBHOOK_EVENTS[e]))];
  const now = deps.clock.now();
  await deps.db.query(
    `INSERT INTO credentials (id, merchant_id, dialect, key_id, secret_enc, data, created_at) VALUES ($1, $2, 'webhook', $3, $4, $5, $6)`,
    [uuidv7(deps.clock), merchantId, id, deps.box.seal(secret), { url, events, coreEvents }, now],
  );
  return { id, url, events, createdAt: now, secret };
}

export async function listWebhookEndpoints(deps: MerchantDeps, merchantId: string): Promise<WebhookEndpoint[]> {
  const { rows } = await deps.db.query<{ key_id: string; data: { url: string; events: WebhookEventName[] }; created_at: Date }>(
    `SELECT key_id, data, created_at FROM credentials WHERE merchant_id = $1 AND dialect = 'webhook' AND expires_at IS NULL ORDER BY created_at, key_id`,
    [merchantId],
  );
  return rows.map((r) => ({ id: r.key_id, url: r.data.url, events: r.data.events, createdAt: new Date(r.created_at) }));
}

/** Deleting stops new deliveries; rows already in the outbox keep their secret to finish. */
export async function deleteWebhookEndpoint(deps: MerchantDeps, merchantId: string, id: string): Promise<void> {
  const res = await deps.db.query(
    `UPDATE credentials SET expires_at = $3 WHERE merchant_id = $1 AND dialect = 'webhook' AND key_id = $2 AND expires_at IS NULL`,
    [merchantId, id, deps.clock.now()],
  );
  if (res.rowCount === 0) throw new KasirError('WEBHOOK_ENDPOINT_NOT_FOUND');
}
