// What a dialect supplies to have its notifications delivered: how to render one outbox item as an
// HTTP request, when the receiver has acknowledged it, and the retry schedule it documents.
import type { CredentialRecord } from '../merchants/merchants.ts';
import type { Payment } from '../payments/model.ts';

export interface OutboxItem {
  id: string;
  merchantId: string;
  paymentId: string;
  eventId: string;
  eventType: string;
  eventAmount: bigint | null;
  eventData: Record<string, unknown>;
  /** The request that caused the event: for Antom, the captureRequestId / refundRequestId. */
  eventRequestId: string | null;
  eventAt: Date;
  format: string;
  targetUrl: string;
  /** The native webhook endpoint this row is for, if any. */
  endpointId: string | null;
  attempts: number;
  createdAt: Date;
}

export interface NotificationRequest {
  headers: Record<string, string>;
  body: string;
}

export interface NotificationFormat {
  /** Delay before attempt n+1 after attempt n failed (ms); its length bounds the attempts. */
  retryDelaysMs: readonly number[];
  /** The request to send, or null when this format does not report this event type. */
  build(item: OutboxItem, payment: Payment, credential: CredentialRecord | null, now: Date): NotificationRequest | null;
  isAcknowledged(status: number, body: string): boolean;
}

export type NotificationFormats = Record<string, NotificationFormat>;
