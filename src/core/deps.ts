import type { Db } from '../db/db.ts';
import type { Clock } from './clock.ts';
import type { ContractOverrides } from './contracts/schema.ts';
import type { Dialect } from './payments/model.ts';
import type { Processor } from './processors/processor.ts';

/** What every core operation is given: no globals, so tests build their own. */
export interface CoreDeps {
  db: Db;
  clock: Clock;
  processor: Processor;
  /** How long a claimed processor call may hold a payment before others may take over. */
  leaseMs: number;
  /** How long a request waits for another request's in-flight call on the same payment. */
  waitMs: number;
}

/** Who is calling: the authenticated merchant, through which dialect, for which request. */
export interface CallContext {
  merchant: { id: string; contract: ContractOverrides };
  /** 'system' for the background jobs (reconciler, settlement, expiry). */
  dialect: Dialect | 'system';
  requestId: string;
}
