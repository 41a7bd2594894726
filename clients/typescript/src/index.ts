// The Kasir native API client: typed calls, signing, idempotent retries, webhook verification.
export { KasirClient, type CallOptions, type KasirClientOptions, type KasirResponse } from './client.ts';
export { KasirError } from './errors.ts';
export type { SignatureScheme } from './signing.ts';
export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.ts';
export type * from './types.ts';
