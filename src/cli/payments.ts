// `kasir payments …`: every merchant's payments through the admin API (/admin/v1/payments): find
// them, look at one (timeline, processor operations, deliveries, ledger), and cancel, capture or
// refund it as the operator. Refusals name this command's flags, not the API's fields.
import { STATUSES } from '../core/payments/states.ts';
import { apiInFlags, integerOption, seg, UsageError, type Command, type Ctx } from './client.ts';

const DIALECTS = ['native', 'antom', 'nicepay'];

/** The admin API's fields → the flags that gave them. */
const FLAG_OF: Record<string, string> = {
  amount: '--amount', reason: '--reason', merchant: '--merchant', status: '--status', dialect: '--dialect', method: '--method',
  connector: '--connector', from: '--from', to: '--to', q: '--search', limit: '--limit', cursor: '--cursor',
};
const call = (c: Ctx, method: string, path: string, body?: unknown) => apiInFlags(c, FLAG_OF, method, path, body);

export interface PaymentView {
  id: string;
  merchantId: string;
  status: string;
  dialect: string;
  processor: string;
  amount: string;
  currency: string;
  amountReceived: string;
  amountRefunded: string;
  amountCanceled: string;
  paymentMethod: string | null;
  referenceId: string | null;
  description: string | null;
  createdAt: string;
}

export const paymentLine = (p: PaymentView) =>
  `${p.id}  ${p.status.padEnd(23)}  ${p.dialect.padEnd(7)}  ${`${p.amount} ${p.currency}`.padStart(16)}  ${p.paymentMethod ?? '-'}  merchant ${p.merchantId}  ${p.createdAt}${p.referenceId ? `  ref ${p.referenceId}` : ''}`;

/** A major-unit decimal as the API takes it ("10", "10.5", "10.50"); the server checks the currency's decimals. */
function amountOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}(\.\d{1,4})?$/.test(text) || !/[1-9]/.test(text)) throw new UsageError(`--amount must be a positive decimal such as 10 or 10.50, got ${text}`);
  return text;
}

function isoOption(flag: 'from' | 'to', text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) throw new UsageError(`--${flag} must be an ISO date or time such as 2025-01-31 or 2025-01-31T12:00:00Z, got ${text}`);
  return text;
}

/** The list query: flags → the API's parameters, each checked here first for a usage error (exit 2). */
export function listQuery(o: Ctx['opts']): URLSearchParams {
  const q = new URLSearchParams();
  if (o.status !== undefined && !(STATUSES as readonly string[]).includes(o.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got ${o.status}`);
  if (o.dialect !== undefined && !DIALECTS.includes(o.dialect)) throw new UsageError(`--dialect must be one of ${DIALECTS.join(', ')}, got ${o.dialect}`);
  const given: [string, string | undefined][] = [
    ['merchant', o.merchant], ['status', o.status], ['dialect', o.dialect], ['method', o.method], ['connector', o.connector],
    ['from', o.from === undefined ? undefined : isoOption('from', o.from)], ['to', o.to === undefined ? undefined : isoOption('to', o.to)],
    ['q', o.search], ['limit', o.limit === undefined ? undefined : String(integerOption('limit', o.limit, 1))], ['cursor', o.cursor],
  ];
  for (const [k, v] of given) if (v !== undefined) q.set(k, v);
  return q;
}

async function list(c: Ctx): Promise<void> {
  const q = listQuery(c.opts);
  const d = await call(c, 'GET', `/payments${q.size ? `?${q}` : ''}`);
  if (c.opts.json) return c.io.out(JSON.stringify(d, null, 2));
  if (d.data.length === 0) c.io.out(c.opts.cursor ? 'No more payments.' : 'No payments match.');
  for (const p of d.data) c.io.out(paymentLine(p));
  if (d.nextCursor) c.io.out(`More: add --cursor ${d.nextCursor}`);
}

type Entry = Record<string, any>;
const cols = (...parts: unknown[]) => '    ' + parts.filter((x) => x !== null && x !== undefined && x !== '').join('  ');

/** One line per entry of each section of `payments show`: what an operator scans for; --json has everything. */
const SECTIONS: Record<string, (e: Entry) => string> = {
  timeline: (e) => cols(e.at, e.type, e.fromStatus ? `${e.fromStatus} → ${e.toStatus}` : e.toStatus, e.amount, `by ${e.dialect}`),
  operations: (e) => cols(e.createdAt, e.kind, e.status, e.amount && `${e.amount} ${e.currency}`, e.processor),
  deliveries: (e) => cols(e.eventType, e.status, e.targetUrl, `${e.attempts?.length ?? 0} attempt(s)`, `delivery ${e.id}`),
  ledger: (e) => cols(e.at, e.kind, (e.entries ?? []).map((x: Entry) => `${x.account} ${x.amount}`).join(', ')),
};

async function show(c: Ctx): Promise<void> {
  const p = await call(c, 'GET', `/payments/${seg(c.args[0])}`);
  if (c.opts.json) return c.io.out(JSON.stringify(p, null, 2));
  c.io.out(
    [
      `${p.id}  ${p.status}`,
      `  merchant    : ${p.merchantId}`,
      `  dialect     : ${p.dialect} (processor ${p.processor})`,
      `  amount      : ${p.amount} ${p.currency}  received ${p.amountReceived}  refunded ${p.amountRefunded}  canceled ${p.amountCanceled}`,
      `  method      : ${p.paymentMethod ?? '-'}`,
      `  reference   : ${p.referenceId ?? '-'}`,
      `  description : ${p.description ?? '-'}`,
      `  created     : ${p.createdAt}`,
    ].join('\n'),
  );
  for (const [name, line] of Object.entries(SECTIONS)) {
    const entries: Entry[] = Array.isArray(p[name]) ? p[name] : [];
    c.io.out(`  ${name} (${entries.length}):`);
    for (const e of entries) c.io.out(line(e));
  }
}

/** cancel, capture and refund: the changed payment (a refund answers the refund with its `payment`). */
async function act(c: Ctx, action: 'cancel' | 'capture' | 'refunds'): Promise<void> {
  const amount = amountOption(c.opts.amount);
  const body = { ...(amount === undefined ? {} : { amount }), ...(c.opts.reason === undefined ? {} : { reason: c.opts.reason }) };
  const d = await call(c, 'POST', `/payments/${seg(c.args[0])}/${action}`, body);
  if (c.opts.json) return c.io.out(JSON.stringify(d, null, 2));
  const p: PaymentView = action === 'refunds' ? d.payment : d;
  c.io.out(paymentLine(p));
  c.io.out(`  received ${p.amountReceived}  refunded ${p.amountRefunded}  canceled ${p.amountCanceled} ${p.currency}`);
  if (action === 'refunds') c.io.out(`  refund ${d.id}  ${d.status}  ${d.amount} ${d.currency}`);
}

export const PAYMENT_COMMANDS: Record<string, Command> = {
  'payments list': {
    args: [],
    options: ['merchant', 'status', 'dialect', 'method', 'connector', 'from', 'to', 'search', 'limit', 'cursor'],
    run: list,
  },
  'payments show': { args: ['PAYMENT_ID'], options: [], run: show },
  'payments cancel': { args: ['PAYMENT_ID'], options: ['amount', 'reason'], run: (c) => act(c, 'cancel') },
  'payments capture': { args: ['PAYMENT_ID'], options: ['amount'], run: (c) => act(c, 'capture') },
  'payments refund': { args: ['PAYMENT_ID'], options: ['amount', 'reason'], run: (c) => act(c, 'refunds') },
};
