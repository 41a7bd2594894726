// The load is made of scenarios whose correct answers are known before they run (README's sandbox
// test cards and triggers): each step says what a crash-free Kasir answers, and each scenario what
// its payment must end as. Every create carries a key the suite can count by afterwards (native
// referenceId = Idempotency-Key, Antom paymentRequestId, NICEPAY referenceNo), so a payment made
// twice, or not at all, shows up in the database, not only in the answers.
import { wibParts } from '../../src/dialects/nicepay/txid.ts';
import { payBody } from '../helpers/antom.ts';
import { cancelRequest, post, registrationRequest } from '../helpers/nicepay.ts';
import { attempt, remote, type Answer, type ChaosMerchant, type Dialect, type Digest } from './clients.ts';
import type { Rng } from './rng.ts';

export interface Step {
  name: string;
  /** Builds, signs (fresh timestamp) and sends the request; the same body on every attempt. */
  send(): Promise<Answer>;
  /** What a run without a crash answers (only the keys listed are compared). */
  expect: Digest;
  /** Reads ids later steps need from the step's final answer. */
  learn?(a: Answer): void;
  /** NICEPAY has no request id for cancels: a retried full cancel answering 9315 means it was done. */
  doneOnRetry?(a: Answer): boolean;
}

export interface Scenario {
  label: string;
  kind: string;
  dialect: Dialect;
  merchant: ChaosMerchant;
  /** The create's key: native referenceId, Antom paymentRequestId, NICEPAY referenceNo. */
  key: string;
  steps: Step[];
  /** The payment's status and amounts (minor units) once every step is done and jobs have run. */
  final: { status: string; received: bigint; refunded: bigint };
  refunds: number;
  captures: number;
  /** Antom's refundRequestId, counted in refunds.request_id. */
  refundKey?: string;
  /** Card 4000000000000119: the processor never answers, the confirm stays pending. */
  neverAnswers?: boolean;
}

interface Spec {
  dialect: Dialect;
  build(b: Build): Omit<Scenario, 'label' | 'kind' | 'dialect' | 'merchant' | 'key'>;
}

interface Build {
  m: ChaosMerchant;
  key: string;
  baseUrl: string;
  r: Rng;
}

const CARD = { ok: '4242424242424242', declined: '4000000000000002', threeDS: '4000002500003155', silent: '4000000000000119' };
const thb = (minor: number) => (minor / 100).toFixed(2);
const done = (status: string, received = 0n, refunded = 0n) => ({ final: { status, received, refunded }, refunds: refunded > 0n ? 1 : 0, captures: 0 });

// ---- native: every POST carries an Idempotency-Key derived from the scenario's key --------------

function nativeSteps(b: Build) {
  let id = '';
  const call = (path: () => string, body: unknown, key: string) => () =>
    attempt(() => b.m.native.request('POST', path(), body, { 'Idempotency-Key': key }));
  return {
    create: (name: string, body: Record<string, unknown>, expect: Digest): Step => ({
      name,
      send: call(() => '/api/v1/payments', { currency: 'THB', referenceId: b.key, description: 'chaos', ...body }, b.key),
      expect,
      learn: (a) => void (a.answered && (id = a.body?.data?.id ?? '')),
    }),
    on: (op: 'cancel' | 'capture' | 'refunds', body: unknown, expect: Digest): Step => ({
      name: op,
      send: call(() => `/api/v1/payments/${id}/${op}`, body, `${b.key}:${op}`),
      expect,
    }),
  };
}

const cardCreate = (card: string, amount: number, extra: Record<string, unknown> = {}) =>
  ({ amount: thb(amount), paymentMethod: 'card', paymentMethodData: { card: { number: card } }, confirm: true, ...extra });

function nativeCard(card: string, http: number, status: string, paid: boolean, extra: Partial<Scenario> = {}): Spec {
  return {
    dialect: 'native',
    build(b) {
      const amount = b.r.int(50, 900) * 100;
      const steps = [nativeSteps(b).create('create+confirm', cardCreate(card, amount), { http, status, amountReceived: thb(paid ? amount : 0) })];
      return { steps, ...done(status, BigInt(paid ? amount : 0)), ...extra };
    },
  };
}

const native: Record<string, Spec> = {
  'card succeeds': nativeCard(CARD.ok, 201, 'succeeded', true),
  'card declined': nativeCard(CARD.declined, 201, 'payment_failed', false),
  'card 3-D Secure': nativeCard(CARD.threeDS, 201, 'requires_action', false),
  'processor never answers': nativeCard(CARD.silent, 202, 'processing', false, { neverAnswers: true }),
  'promptpay, cancel': {
    dialect: 'native',
    build(b) {
      const n = nativeSteps(b);
      const amount = b.r.int(50, 900) * 100;
      return {
        steps: [
          n.create('create+confirm', { amount: thb(amount), paymentMethod: 'promptpay', confirm: true }, { http: 201, status: 'requires_action' }),
          n.on('cancel', { cancellationReason: 'requested_by_customer' }, { http: 200, status: 'canceled', amountReceived: '0.00' }),
        ],
        ...done('canceled'),
      };
    },
  },
  'manual capture, partial refund': {
    dialect: 'native',
    build(b) {
      const n = nativeSteps(b);
      const amount = b.r.int(50, 900) * 100;
      const refund = b.r.int(1, amount / 100 - 1) * 100;
      return {
        steps: [
          n.create('create+confirm', cardCreate(CARD.ok, amount, { captureMethod: 'manual' }), { http: 201, status: 'requires_capture', amountCapturable: thb(amount) }),
          n.on('capture', {}, { http: 200, status: 'succeeded', amountReceived: thb(amount) }),
          n.on('refunds', { amount: thb(refund) }, { http: 201, refundStatus: 'succeeded', refundAmount: thb(refund), status: 'succeeded', amountRefunded: thb(refund) }),
        ],
        ...done('succeeded', BigInt(amount), BigInt(refund)),
        captures: 1,
      };
    },
  },
  'create, cancel': {
    dialect: 'native',
    build(b) {
      const n = nativeSteps(b);
      return {
        steps: [
          n.create('create', { amount: thb(b.r.int(50, 900) * 100) }, { http: 201, status: 'requires_payment_method' }),
          n.on('cancel', {}, { http: 200, status: 'canceled' }),
        ],
        ...done('canceled'),
      };
    },
  },
};

// ---- Antom: paymentRequestId / captureRequestId / refundRequestId are the idempotency keys -------

const S = (resultCode: string, resultStatus: 'S' | 'F' | 'U', extra: Digest = {}): Digest => ({ signed: true, resultCode, resultStatus, ...extra });

function antomPay(b: Build, method: Record<string, unknown>, value: number, expect: Digest, extra: Record<string, unknown> = {}) {
  let paymentId = '';
  const body = payBody({
    paymentRequestId: b.key,
    paymentAmount: { currency: 'USD', value: String(value) },
    paymentMethod: method,
    order: { referenceOrderId: b.key, orderDescription: 'chaos', orderAmount: { currency: 'USD', value: String(value) } },
    ...extra,
  });
  const step: Step = {
    name: 'pay',
    send: () => attempt(() => b.m.antom.call('pay', body)),
    expect: { ...expect, value: String(value) },
    learn: (a) => void (a.answered && (paymentId = a.body?.paymentId ?? '')),
  };
  const then = (op: string, fields: () => Record<string, unknown>, expect: Digest): Step => ({
    name: op,
    send: () => attempt(() => b.m.antom.call(op, { paymentId, ...fields() })),
    expect,
  });
  return { step, then };
}

function antomCard(card: string, expect: Digest, status: string, paid: boolean): Spec {
  return {
    dialect: 'antom',
    build(b) {
      const value = b.r.int(100, 9000);
      const { step } = antomPay(b, { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: card } }, value, expect);
      return { steps: [step], ...done(status, BigInt(paid ? value : 0)) };
    },
  };
}

const antom: Record<string, Spec> = {
  'card succeeds': antomCard(CARD.ok, S('SUCCESS', 'S'), 'succeeded', true),
  'card declined': antomCard(CARD.declined, S('PROCESS_FAIL', 'F'), 'payment_failed', false),
  'card 3-D Secure': antomCard(CARD.threeDS, S('PAYMENT_IN_PROCESS', 'U', { normalUrl: true }), 'requires_action', false),
  'wallet, no buyer': {
    dialect: 'antom',
    build(b) {
      const { step } = antomPay(b, { paymentMethodType: 'GCASH' }, b.r.int(100, 9000), S('PAYMENT_IN_PROCESS', 'U', { normalUrl: true }));
      return { steps: [step], ...done('requires_action') };
    },
  },
  'wallet, cancel': {
    dialect: 'antom',
    build(b) {
      const pay = antomPay(b, { paymentMethodType: 'GCASH' }, b.r.int(100, 9000), S('PAYMENT_IN_PROCESS', 'U', { normalUrl: true }));
      return { steps: [pay.step, pay.then('cancel', () => ({}), S('SUCCESS', 'S'))], ...done('canceled') };
    },
  },
  'manual capture, partial refund': {
    dialect: 'antom',
    build(b) {
      const value = b.r.int(100, 9000);
      const refund = b.r.int(1, value - 1);
      const refundKey = `${b.key}-refund`;
      const money = (v: number) => ({ currency: 'USD', value: String(v) });
      const pay = antomPay(b, { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: CARD.ok } }, value, S('SUCCESS', 'S'), {
        paymentFactor: { captureMode: 'MANUAL' },
      });
      return {
        steps: [
          pay.step,
          pay.then('capture', () => ({ captureRequestId: `${b.key}-capture`, captureAmount: money(value) }), S('SUCCESS', 'S', { value: String(value) })),
          pay.then('refund', () => ({ refundRequestId: refundKey, refundAmount: money(refund) }), S('SUCCESS', 'S', { value: String(refund) })),
        ],
        ...done('succeeded', BigInt(value), BigInt(refund)),
        captures: 1,
        refundKey,
      };
    },
  },
};

// ---- NICEPAY: referenceNo is the registration's idempotency key; cancels have none --------------

function nicepayVa(cancel: boolean): Spec {
  return {
    dialect: 'nicepay',
    build(b) {
      const h = remote(b.baseUrl);
      const amt = String(b.r.int(10, 900) * 1000);
      // Fixed now, not per attempt: a retry must send the same order, or it is a different one (9009).
      const valid = wibParts(new Date(Date.now() + 2 * 86_400_000));
      const order = { referenceNo: b.key, amt, description: 'chaos', vacctValidDt: valid.transDt, vacctValidTm: valid.transTm };
      let tXid = '';
      const steps: Step[] = [{
        name: 'registration',
        send: () => attempt(() => post(h, '/nicepay/direct/v2/registration', registrationRequest(h, b.m.nicepay, '02', order))),
        expect: { resultCd: '0000', amt, vacctNo: true },
        learn: (a) => void (a.answered && (tXid = a.body?.tXid ?? '')),
      }];
      if (cancel) {
        steps.push({
          name: 'cancel',
          send: () => attempt(() => post(h, '/nicepay/direct/v2/cancel', cancelRequest(h, b.m.nicepay, { tXid, payMethod: '02', cancelType: '1', amt }))),
          expect: { resultCd: '0000', amt },
          doneOnRetry: (a) => a.answered && a.body?.resultCd === '9315',
        });
      }
      return { steps, ...done(cancel ? 'canceled' : 'requires_action') };
    },
  };
}

const nicepay: Record<string, Spec> = { 'VA': nicepayVa(false), 'VA, full cancel': nicepayVa(true) };

const KINDS: [string, Spec][] = [
  ...Object.entries(native).map(([k, s]) => [`native ${k}`, s] as [string, Spec]),
  ...Object.entries(antom).map(([k, s]) => [`antom ${k}`, s] as [string, Spec]),
  ...Object.entries(nicepay).map(([k, s]) => [`nicepay ${k}`, s] as [string, Spec]),
];

/**
 * One round's scenarios: kinds and merchants drawn from the seed until the round holds `target`
 * requests. Every kind appears at least once per round, so each round exercises all three dialects.
 */
export function planRound(r: Rng, round: number, tag: string, merchants: ChaosMerchant[], baseUrl: string, target: number): Scenario[] {
  const out: Scenario[] = [];
  let requests = 0;
  for (let i = 0; requests < target || i < KINDS.length; i++) {
    const [kind, spec] = i < KINDS.length ? KINDS[i] : r.pick(KINDS);
    const m = r.pick(merchants);
    // NICEPAY referenceNo allows 40 characters; the other keys allow more, but one shape is simpler.
    const key = `CH${tag}R${round}N${String(i).padStart(3, '0')}`;
    const s = spec.build({ m, key, baseUrl, r });
    out.push({ label: `r${round}#${i} ${kind} (${m.name})`, kind, dialect: spec.dialect, merchant: m, key, ...s });
    requests += s.steps.length;
  }
  // Seeded order: which scenarios overlap in time, and which the kill lands in, changes per round.
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
