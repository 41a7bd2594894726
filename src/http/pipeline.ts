// THE request pipeline every dialect runs (docs/architecture.md): authenticate → rate limit → call context →
// idempotency → core operation → render. A dialect supplies only what is its own: how it
// authenticates, how it renders answers and errors, which answers are final (kept and replayed) —
// never a copy of the stages. The idempotency stage is core/idempotency.ts runWithKey, for a key
// in a header (native Idempotency-Key, before the operation) or in the body (Antom request ids,
// NICEPAY referenceNo: the operation names it once it has validated the body).
import { effectiveContract } from '../core/contracts/defaults.ts';
import type { ContractOverrides } from '../core/contracts/schema.ts';
import type { MerchantMode } from '../core/merchants/merchants.ts';
import type { CallContext, CoreDeps } from '../core/deps.ts';
import { KasirError } from '../core/errors.ts';
import { runWithKey } from '../core/idempotency.ts';
import type { Dialect } from '../core/payments/model.ts';
import type { RateLimiter } from './rate-limit.ts';
import { reportAuthFailure } from '../observability/request-scope.ts';

/** How one dialect renders and keeps answers of type A. */
export interface DialectAnswers<A> {
  dialect: Dialect;
  renderError(err: unknown): A;
  /** An internal failure: logged (once per request). */
  isInternal(answer: A): boolean;
  /** Final answers are stored under the request's idempotency key and replayed to its retries. */
  isFinal(answer: A): boolean;
  store(answer: A): { status: number; body: string };
  replay(status: number, body: string): A;
}

export interface PipelineDeps {
  core: CoreDeps;
  /** Shared by every dialect: a merchant's limit counts all its requests. */
  limiter: RateLimiter;
}

export interface AuthenticatedMerchant {
  id: string;
  mode: MerchantMode;
  contract: ContractOverrides;
}

/** What an operation is given: its call context and the idempotency stage for a key found in the body. */
export interface Call<A> {
  ctx: CallContext;
  keyed(key: BodyKey, run: (ctx: CallContext) => Promise<A>): Promise<A>;
}

export interface BodyKey {
  scope: string;
  key: string;
  /** How the dialect's clients call the key, for messages. */
  name?: string;
  /** What makes two requests under the key "the same request" (a hash of the request's meaning). */
  hash: string;
  /** Overrides the dialect's notion of a final answer for this operation. */
  isFinal?: (answer: unknown) => boolean;
}

export interface Stages<A, M extends AuthenticatedMerchant> {
  authenticate(): Promise<M>;
  /** A key carried outside the body (native Idempotency-Key): the whole operation runs under it. */
  headerKey?(merchant: M): BodyKey | undefined;
  operate(call: Call<A>, merchant: M): Promise<A>;
}

export interface PipelineResult<A> {
  answer: A;
  /** Set when the answer is "still in progress": seconds after which a retry may resume. */
  retryAfterSeconds?: number;
}

/** The contract's per-merchant rate limit, one budget across dialects. */
export async function admit(limiter: RateLimiter, dialect: Dialect, merchant: AuthenticatedMerchant): Promise<void> {
  const refused = await limiter.allow(merchant.id, effectiveContract(dialect, merchant.contract).rateLimitPerSecond);
  // details.retryAfterSeconds becomes the native Retry-After header (runPipeline).
  if (refused) throw new KasirError('RATE_LIMITED', 'Too many requests: the merchant contract allows fewer per second', { details: refused });
}

export async function runPipeline<A, M extends AuthenticatedMerchant>(
  answers: DialectAnswers<A>,
  deps: PipelineDeps,
  requestId: string,
  stages: Stages<A, M>,
  log: (err: unknown) => void,
): Promise<PipelineResult<A>> {
  let retryAfterSeconds: number | undefined;
  const rendered = (err: unknown): A => {
    const answer = answers.renderError(err);
    if (answers.isInternal(answer)) log(err);
    const wait = err instanceof KasirError ? err.details?.retryAfterSeconds : undefined;
    if (typeof wait === 'number') retryAfterSeconds = wait;
    return answer;
  };
  try {
    const merchant = await stages.authenticate().catch((err: unknown) => {
      // A warn line naming the request's key id, never its secret (src/http/access-log.ts).
      reportAuthFailure(answers.dialect, err);
      throw err;
    });
    await admit(deps.limiter, answers.dialect, merchant);
    const base: CallContext = { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: answers.dialect, requestId };
    const call = (ctx: CallContext): Call<A> => ({
      ctx,
      keyed: (key, run) => keyedStage(answers, deps.core, ctx, key, run, rendered),
    });
    const header = stages.headerKey?.(merchant);
    const answer = header
      ? await keyedStage(answers, deps.core, base, header, (ctx) => stages.operate(call(ctx), merchant), rendered)
      : await stages.operate(call(base), merchant);
    return { answer, retryAfterSeconds };
  } catch (err) {
    return { answer: rendered(err), retryAfterSeconds };
  }
}

/**
 * The idempotency stage: one key, one effect, the original answer for every retry. Exported for a
 * dialect whose authentication depends on the operation's own fields (NICEPAY's merchantToken
 * formulas): it runs the same stages in its handler, in the same order.
 */
export async function keyedStage<A>(
  answers: DialectAnswers<A>,
  core: CoreDeps,
  ctx: CallContext,
  key: BodyKey,
  run: (ctx: CallContext) => Promise<A>,
  rendered: (err: unknown) => A,
): Promise<A> {
  const result = await runWithKey(core, {
    ref: { merchantId: ctx.merchant.id, scope: key.scope, key: key.key },
    name: key.name,
    hash: key.hash,
    // Errors are answers too (a declined refund is final): rendered here, so the key stage decides.
    run: async (requestKey) => {
      try {
        return await run({ ...ctx, requestKey });
      } catch (err) {
        return rendered(err);
      }
    },
    isFinal: (a) => (key.isFinal ? key.isFinal(a) : answers.isFinal(a)),
    store: (a) => answers.store(a),
  });
  return result.replayed ? answers.replay(result.status, result.body) : result.answer;
}
