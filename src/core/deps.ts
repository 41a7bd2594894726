import type { Db } from '../db/db.ts';
import type { Clock } from './clock.ts';
import type { SecretBox } from './merchants/secret-box.ts';
import type { MerchantMode } from './merchants/merchants.ts';
import type { ContractOverrides } from './contracts/schema.ts';
import type { RequestKey } from './idempotency.ts';
import type { Dialect } from './payments/model.ts';
import type { ProcessorSet } from './processors/processor.ts';

/** What every core operation is given: no globals, so tests build their own. */
export interface CoreDeps {
  db: Db;
  clock: Clock;
  /** Every processor this process can reach; a payment names its own (payments.processor). */
  processors: ProcessorSet;
  /** How long a claimed processor call may hold a payment before others may take over. */
  leaseMs: number;
  /** How long a request waits for another request's in-flight call on the same payment. */
  waitMs: number;
  /** How long a request holds its idempotency key before a retry may take it over (> any request). */
  idempotencyLeaseMs: number;
  /** Seals what must not rest in clear (stored idempotent answers may carry secrets shown once). */
  box: SecretBox;
}

/** Who is calling: the authenticated merchant, through which dialect, for which request. */
export interface CallContext {
  /** mode: a live merchant's payments go only to its connectors, and sandbox features are refused. */
  merchant: { id: string; mode: MerchantMode; contract: ContractOverrides };
  /**
   * 'system' for the background jobs (reconciler, settlement, expiry); 'operator' for an action taken
   * through the admin API or the dashboard (requestId `operator:<request id>`), recorded as such in
   * the payment's timeline.
   */
  dialect: Dialect | 'system' | 'operator';
  requestId: string;
  /** The request's idempotency key, when it has one: effects record themselves on it (idempotency.ts). */
  requestKey?: RequestKey;
}
