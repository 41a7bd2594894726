// The payment state machine as ONE table (docs/state-machine.md). `transition` is pure; the store
// repeats the same guard in SQL (`WHERE status = ANY(from)`), so a lost race updates zero rows.

export const STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
  'expired',
  'payment_failed',
] as const;
export type Status = (typeof STATUSES)[number];

export const TERMINAL: ReadonlySet<Status> = new Set(['canceled', 'expired', 'payment_failed']);

/** Statuses the native profile (seed 002) can cancel; the other profiles add rules in contracts/. */
export const CANCELLABLE: readonly Status[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
];

/** Unpaid statuses that lapse at `expiresAt`. */
export const EXPIRABLE: readonly Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

const PRE_SUBMIT: readonly Status[] = ['requires_payment_method', 'requires_confirmation'];
const AWAITING_OUTCOME: readonly Status[] = [...PRE_SUBMIT, 'requires_action', 'processing'];

/** event → which statuses it may leave from and where it goes. `to: null` keeps the status. */
export const TRANSITIONS = {
  method_attached: { from: ['requires_payment_method', 'requires_confirmation'], to: 'requires_confirmation' },
  submitted: { from: PRE_SUBMIT, to: 'processing' },
  action_required: { from: AWAITING_OUTCOME, to: 'requires_action' },
  authorized: { from: AWAITING_OUTCOME, to: 'requires_capture' },
  succeeded: { from: AWAITING_OUTCOME, to: 'succeeded' },
  failed: { from: AWAITING_OUTCOME, to: 'payment_failed' },
  captured: { from: ['requires_capture'], to: 'succeeded' },
  canceled: { from: [...CANCELLABLE, 'succeeded'], to: 'canceled' },
  partially_canceled: { from: ['requires_capture', 'succeeded'], to: null },
  refunded: { from: ['succeeded'], to: null },
  expired: { from: EXPIRABLE, to: 'expired' },
  // Funds that arrive after a cancel or expiry: recorded, then returned; the status never moves.
  late_payment_received: { from: ['canceled', 'expired'], to: null },
  late_payment_reversed: { from: ['canceled', 'expired'], to: null },
  // Settlement moved the payment's net funds from pending to available (core/jobs/settlement.ts).
  settled: { from: ['succeeded', 'canceled'], to: null },
  // A processor call timed out: nothing changes but the timeline, until reconciliation decides.
  outcome_unknown: { from: STATUSES, to: null },
  // The processor has no trace of a claimed call (the caller died before making it): the claim is
  // released, reserved funds go back; only the timeline changes.
  operation_rolled_back: { from: STATUSES, to: null },
  // A connector answered a definite "not available" before creating anything: the submission moves
  // to the next route (its own new operation record).
  rerouted: { from: ['processing'], to: null },
  // The same for a submission: the payment is back to be confirmed again.
  submission_rolled_back: { from: ['processing'], to: 'requires_confirmation' },
} as const satisfies Record<string, { from: readonly Status[]; to: Status | null }>;

export type PaymentEvent = keyof typeof TRANSITIONS;
export const EVENTS = Object.keys(TRANSITIONS) as PaymentEvent[];

export type TransitionResult = { ok: true; to: Status } | { ok: false; from: Status; event: PaymentEvent };

/** The single decision of whether `event` may happen to a payment in `status`, and what follows. */
export function transition(status: Status, event: PaymentEvent): TransitionResult {
  const rule = TRANSITIONS[event];
  if (!(rule.from as readonly Status[]).includes(status)) return { ok: false, from: status, event };
  return { ok: true, to: rule.to ?? status };
}

export function fromStatuses(event: PaymentEvent): Status[] {
  return [...TRANSITIONS[event].from];
}

export function isStatus(text: unknown): text is Status {
  return typeof text === 'string' && (STATUSES as readonly string[]).includes(text);
}
