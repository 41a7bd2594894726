// Where a payment goes and what live mode refuses — decided before anything is created or sent, so a
// refusal changes nothing. Test merchants reach only the sandbox; live merchants only their
// connector accounts, by their routes (core/connectors/routes.ts).
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { processorOf, type CardData, type ProcessorAbilities, type RouteWish } from '../processors/processor.ts';
import type { Payment } from './model.ts';

/** The best processor for a payment (its submission may still fail over to the next); none → NO_ROUTE. */
export async function firstRoute(deps: CoreDeps, ctx: CallContext, wish: RouteWish): Promise<string> {
  const [best] = await deps.processors.candidates(ctx.merchant, wish);
  if (best) return best;
  const what = `${wish.method ?? 'a payment'} in ${wish.currency}${wish.captureMethod === 'manual' ? ' with manual capture' : ''}`;
  throw new KasirError('NO_ROUTE', `No connector route of this live merchant takes ${what}; nothing was created`, { field: 'paymentMethod' });
}

/**
 * Sandbox features a live merchant may not use: test cards (any card number — a live buyer types
 * theirs on the provider's page, never through Kasir) and `sandbox:` trigger words.
 */
export function refuseTestFeatures(ctx: CallContext, given: { card?: CardData; description?: string | null }): void {
  if (ctx.merchant.mode !== 'live') return;
  if (given.card?.number) {
    throw new KasirError('LIVE_MODE', 'Card details cannot be sent through Kasir in live mode: the buyer enters them on the provider\'s payment page', { field: 'card' });
  }
  if (given.description && /\bsandbox:/i.test(given.description)) {
    throw new KasirError('LIVE_MODE', 'sandbox: trigger words are test-mode only; remove them from the description', { field: 'description' });
  }
}

/** The sandbox's own endpoints (buyer simulator, checkout simulator) for a live payment. */
export function sandboxOnly(what: string): KasirError {
  return new KasirError('LIVE_MODE', `${what} is test-mode only: a live payment is paid on the provider's own page`);
}

/**
 * Refuses, before any call, what the provider behind `p` cannot be asked (a partial cancel to Antom,
 * which has none): the caller gets its dialect's clear error instead of an upstream refusal.
 */
export async function requireAbility(deps: CoreDeps, p: Payment, ability: keyof ProcessorAbilities, what: string): Promise<void> {
  const processor = await processorOf(deps.processors, p);
  if (processor.abilities[ability]) return;
  throw new KasirError('CONNECTOR_UNSUPPORTED', `${what} cannot be sent to the provider behind this payment; nothing was changed`);
}
