// Kasir's native notifications are Standard Webhooks (src/dialects/native/notify.ts): webhook-id,
// webhook-timestamp (seconds), webhook-signature `v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>`
// with the key the base64 part of the endpoint's `whsec_` secret. So the reference library verifies
// them as they are, including its ±5 minute timestamp tolerance against replays.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { WebhookEvent } from './types.ts';

export { WebhookVerificationError };

/** Node's IncomingHttpHeaders, a fetch Headers object, or a plain record. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

const NAMES = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function pick(headers: WebhookHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    let v: string | string[] | null | undefined;
    if (headers instanceof Headers) v = headers.get(name);
    else v = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * Verifies a delivered notification and returns its event. `payload` must be the raw body exactly as
 * received (not re-serialised JSON). Throws WebhookVerificationError when the headers are missing,
 * the timestamp is more than 5 minutes off, or no signature matches.
 */
export function verifyWebhook(payload: string | Uint8Array, headers: WebhookHeaders, secret: string): WebhookEvent {
  const text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true }).decode(payload);
  const event = new Webhook(secret).verify(text, pick(headers));
  if (event === null || typeof event !== 'object') throw new WebhookVerificationError('The notification has no JSON body');
  return event as WebhookEvent;
}
