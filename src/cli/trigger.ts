// `kasir trigger SCENARIO`: a sandbox payment driven to a named outcome through the merchant's
// native API, with the sandbox's test cards (src/processors/sandbox/triggers.ts), so that a
// `kasir listen` or a merchant's own endpoint receives the matching webhook. Test merchants only: a
// live merchant's payments would reach a real provider.
import { CliError, UsageError, type Command, type Ctx } from './client.ts';
import { merchantApi, merchantSession, type MerchantSession } from './merchant-api.ts';

const CARD = { succeeds: '4242424242424242', threeDS: '4000002500003155', declined: '4000000000000002', timesOut: '4000000000000119' };

interface Scenario {
  summary: string;
  /** The status the payment must end in; anything else is reported as a failure (exit 1). */
  expect: string;
  run(c: Ctx, s: MerchantSession, base: Record<string, unknown>): Promise<any>;
}

const post = (c: Ctx, s: MerchantSession, path: string, body?: unknown) => merchantApi(c, s, 'POST', path, body);
const card = (number: string) => ({ paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number } } });
const withCard = (number: string, extra: Record<string, unknown> = {}) => (c: Ctx, s: MerchantSession, base: Record<string, unknown>) =>
  post(c, s, '/api/v1/payments', { ...base, ...card(number), ...extra });

export const SCENARIOS: Record<string, Scenario> = {
  'payment.succeeded': { summary: `card ${CARD.succeeds}, captured at once`, expect: 'succeeded', run: withCard(CARD.succeeds) },
  'payment.failed': { summary: `card ${CARD.declined}, declined`, expect: 'payment_failed', run: withCard(CARD.declined) },
  'payment.requires_action': { summary: `card ${CARD.threeDS}, waiting for 3-D Secure`, expect: 'requires_action', run: withCard(CARD.threeDS) },
  'payment.requires_capture': {
    summary: `card ${CARD.succeeds}, authorized with captureMethod manual`,
    expect: 'requires_capture',
    run: withCard(CARD.succeeds, { captureMethod: 'manual' }),
  },
  'payment.canceled': {
    summary: 'a payment created, then canceled before it was paid',
    expect: 'canceled',
    async run(c, s, base) {
      const p = await post(c, s, '/api/v1/payments', base);
      return post(c, s, `/api/v1/payments/${p.id}/cancel`, { cancellationReason: 'requested_by_customer' });
    },
  },
  'payment.refunded': {
    summary: `card ${CARD.succeeds}, then refunded in full (status stays succeeded; event refund.succeeded)`,
    expect: 'succeeded',
    async run(c, s, base) {
      const p = await withCard(CARD.succeeds)(c, s, base);
      return (await post(c, s, `/api/v1/payments/${p.id}/refunds`, { reason: 'requested_by_customer' })).payment;
    },
  },
  'payment.outcome_unknown': {
    summary: `card ${CARD.timesOut}: the processor times out, the payment stays processing until reconciled`,
    expect: 'processing',
    run: withCard(CARD.timesOut),
  },
};

export const SCENARIO_LIST = Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(26)} ${s.summary}`).join('\n');

async function trigger(c: Ctx): Promise<void> {
  const name = c.args[0];
  const scenario = SCENARIOS[name];
  if (!scenario) throw new UsageError(`unknown scenario ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const session = await merchantSession(c, { refuseLive: "kasir trigger makes sandbox payments for test merchants only (a live merchant's payments reach real providers)" });
  if (session.mode !== 'test') throw new CliError(`merchant ${session.merchantId} is a ${session.mode} merchant; kasir trigger drives test merchants only`);
  const base = { amount: c.opts.amount ?? '10.00', currency: (c.opts.currency ?? 'USD').toUpperCase(), description: `kasir trigger ${name}` };
  const p = await scenario.run(c, session, base);
  const reached = p.status === scenario.expect;
  if (c.opts.json) c.io.out(JSON.stringify({ scenario: name, merchantId: session.merchantId, reached, payment: p }, null, 2));
  else c.io.out(`${p.id}  ${p.status}  ${name}  (merchant ${session.merchantId}, ${p.amount} ${p.currency}${Number(p.amountRefunded) > 0 ? `, refunded ${p.amountRefunded}` : ''})`);
  if (!reached) throw new CliError(`${name}: payment ${p.id} ended ${p.status}, not ${scenario.expect} (the merchant's contract may forbid this path)`);
}

export const TRIGGER_COMMANDS: Record<string, Command> = {
  trigger: { args: ['SCENARIO'], options: ['merchant', 'api-key', 'api-secret', 'amount', 'currency'], run: trigger },
};
