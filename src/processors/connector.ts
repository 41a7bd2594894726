// What every upstream connector (src/processors/antom, src/processors/nicepay) provides: its
// account settings, a Processor for one account, and the receiver of the provider's notifications at
// the account's notifyUrl. Registered in registry.ts; the core sees only the Processor boundary.
import type { Clock } from '../core/clock.ts';
import type { ConnectorAccount, ConnectorType } from '../core/connectors/accounts.ts';
import type { CoreDeps } from '../core/deps.ts';
import type { Processor } from '../core/processors/processor.ts';
import type { Db } from '../db/db.ts';

export interface ConnectorDeps {
  db: Db;
  clock: Clock;
  /** Kasir's public base URL: notifyUrl and the buyer's return page are built from it. */
  publicUrl: () => string;
  /** How long one upstream call may take before its outcome is unknown (then synced, never guessed). */
  timeoutMs: number;
}

/** Where the provider sends its notifications about this account's payments. */
export function notifyUrlOf(publicUrl: string, accountId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/connectors/${encodeURIComponent(accountId)}/notify`;
}

/** An inbound notification as received (raw bytes: signatures and tokens cover them exactly). */
export interface InboundNotification {
  method: string;
  /** The request path as sent (Antom signs it). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  contentType: string;
}

/** The answer the provider expects (its acknowledgement, or a refusal it will retry). */
export interface NotificationAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Operator-given fields for a new account (CLI flags / admin API body), before they are checked. */
export type GivenSettings = Record<string, string | undefined>;

export interface ConnectorKind {
  readonly type: ConnectorType;
  /**
   * Checks what the operator gave (a key that does not parse is refused now, not at the first
   * payment) and splits it into the public settings and the one secret sealed at rest.
   */
  parseSettings(given: GivenSettings): { settings: Record<string, string>; secret: string };
  processor(account: ConnectorAccount, deps: ConnectorDeps): Processor;
  /**
   * A notification at the account's notifyUrl: verified (signature or token), applied through the
   * core's report of late outcomes (core/payments/upstream-report.ts), answered as the provider
   * expects. Idempotent: providers resend until acknowledged.
   */
  receive(account: ConnectorAccount, processor: Processor, n: InboundNotification, core: CoreDeps): Promise<NotificationAnswer>;
}
