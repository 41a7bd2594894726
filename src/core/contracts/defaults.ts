// Provider profiles' contract defaults (docs/cancel-rules.md, docs.antom.com cashierpay/cancel,
// NICEPAY's 90-day cancel window).
import type { Profile } from '../payments/model.ts';
import type { CancelRule, Contract, ContractOverride, ContractOverrides, MethodFamily } from './schema.ts';

const DAY = 86_400;

const rule = (r: Partial<CancelRule>): CancelRule => ({
  beforeSuccess: true,
  afterSuccess: false,
  partial: false,
  windowSeconds: null,
  windowAnchor: 'created',
  afterSuccessUntilNextDay: null,
  ...r,
});

const ALL_APIS = { cancel: true, partialCancel: true, refund: true, capture: true };

export const PROFILE_DEFAULTS: Record<Profile, Contract> = {
  native: {
    apis: ALL_APIS,
    // Seed 002: cancellable until the payment succeeds (cards: before capture), in every family.
    cancel: {
      card: rule({}),
      wallet: rule({}),
      thai_banking: rule({}),
      indonesian: rule({}),
      bank_transfer: rule({}),
    },
    rateLimitPerSecond: null,
  },
  antom: {
    apis: ALL_APIS,
    cancel: {
      card: rule({ windowSeconds: 7 * DAY, windowAnchor: 'authorized' }),
      wallet: rule({ afterSuccess: true, afterSuccessUntilNextDay: '00:15+08:00' }),
      thai_banking: rule({}),
      indonesian: rule({ beforeSuccess: false }),
      bank_transfer: rule({}),
    },
    rateLimitPerSecond: null,
  },
  nicepay: {
    apis: ALL_APIS,
    cancel: {
      card: rule({ afterSuccess: true, partial: true, windowSeconds: 90 * DAY }),
      wallet: rule({ afterSuccess: true, partial: true, windowSeconds: 90 * DAY }),
      thai_banking: rule({}),
      indonesian: rule({ windowSeconds: 90 * DAY }),
      bank_transfer: rule({ windowSeconds: 90 * DAY }),
    },
    rateLimitPerSecond: null,
  },
};

/** Which contract row a payment method falls under. */
export function methodFamily(paymentMethod: string | null): MethodFamily {
  switch (paymentMethod) {
    case 'card':
      return 'card';
    case 'promptpay':
    case 'thai_banking':
      return 'thai_banking';
    case 'va':
    case 'cvs':
    case 'qris':
      return 'indonesian';
    case 'bank_transfer':
      return 'bank_transfer';
    default:
      return 'wallet'; // wallets and methods not yet chosen: the most common cancellable family
  }
}

function mergeOne(base: Contract, o: ContractOverride | undefined): Contract {
  if (!o) return base;
  const cancel = { ...base.cancel };
  for (const [family, r] of Object.entries(o.cancel ?? {}) as [MethodFamily, Partial<CancelRule>][]) {
    cancel[family] = { ...base.cancel[family], ...r };
  }
  return {
    apis: { ...base.apis, ...o.apis },
    cancel,
    rateLimitPerSecond: o.rateLimitPerSecond === undefined ? base.rateLimitPerSecond : o.rateLimitPerSecond,
  };
}

/** The effective contract of one profile for a merchant: defaults with its overrides merged in. */
export function effectiveContract(profile: Profile, overrides: ContractOverrides): Contract {
  return mergeOne(PROFILE_DEFAULTS[profile], overrides[profile]);
}
