// The transition table, cell by cell: every status × every event. The expected table is written out
// here on purpose (not derived from TRANSITIONS), so changing any row of the state machine fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CANCELLABLE, EVENTS, EXPIRABLE, fromStatuses, isStatus, STATUSES, TERMINAL, transition, TRANSITIONS,
  type PaymentEvent, type Status,
} from '../src/core/payments/states.ts';

const RPM = 'requires_payment_method';
const RC = 'requires_confirmation';
const RA = 'requires_action';
const PROC = 'processing';
const CAP = 'requires_capture';
const OK = 'succeeded';
const CANCELED = 'canceled';
const EXPIRED = 'expired';
const FAILED = 'payment_failed';

const ALL: Status[] = [RPM, RC, RA, PROC, CAP, OK, CANCELED, EXPIRED, FAILED];
const AWAITING: Status[] = [RPM, RC, RA, PROC];

/** event → [statuses it may leave from, where it goes (null = stays)]. */
const EXPECTED: Record<PaymentEvent, [Status[], Status | null]> = {
  method_attached: [[RPM, RC], RC],
  submitted: [[RPM, RC], PROC],
  action_required: [AWAITING, RA],
  authorized: [AWAITING, CAP],
  succeeded: [AWAITING, OK],
  failed: [AWAITING, FAILED],
  captured: [[CAP], OK],
  canceled: [[RPM, RC, RA, PROC, CAP, OK], CANCELED],
  partially_canceled: [[CAP, OK], null],
  refunded: [[OK], null],
  expired: [[RPM, RC, RA], EXPIRED],
  late_payment_received: [[CANCELED, EXPIRED], null],
  late_payment_reversed: [[CANCELED, EXPIRED], null],
  settled: [[OK, CANCELED], null],
  outcome_unknown: [ALL, null],
  operation_rolled_back: [ALL, null],
  rerouted: [[PROC], null],
  submission_rolled_back: [[PROC], RC],
};

test('the statuses and events are exactly the expected ones', () => {
  assert.deepEqual([...STATUSES], ALL);
  assert.deepEqual([...EVENTS].sort(), Object.keys(EXPECTED).sort());
  assert.deepEqual(Object.keys(TRANSITIONS).sort(), Object.keys(EXPECTED).sort());
});

for (const event of Object.keys(EXPECTED) as PaymentEvent[]) {
  const [from, to] = EXPECTED[event];
  test(`event ${event}: allowed from exactly {${from.join(', ')}}`, () => {
    assert.deepEqual(new Set(fromStatuses(event)), new Set(from));
    for (const status of ALL) {
      const result = transition(status, event);
      if (from.includes(status)) {
        assert.deepEqual(result, { ok: true, to: to ?? status }, `${status} --${event}-->`);
      } else {
        assert.deepEqual(result, { ok: false, from: status, event }, `${status} --${event}--> must be refused`);
      }
    }
  });
}

test('seed 002: the cancellable statuses, and the expirable ones', () => {
  assert.deepEqual(new Set(CANCELLABLE), new Set([PROC, RPM, RC, RA, CAP]));
  assert.deepEqual(new Set(EXPIRABLE), new Set([RPM, RC, RA]));
  assert.deepEqual(new Set(TERMINAL), new Set([CANCELED, EXPIRED, FAILED]));
  // The native cancel event leaves every cancellable status (and antom's succeeded reversal).
  for (const s of CANCELLABLE) assert.equal(transition(s, 'canceled').ok, true, s);
});

test('terminal statuses only record bookkeeping events, never a change of status', () => {
  for (const s of TERMINAL) {
    for (const event of EVENTS) {
      const r = transition(s, event);
      if (r.ok) assert.equal(r.to, s, `${s} --${event}--> left a terminal status`);
    }
  }
});

test('isStatus accepts exactly the statuses', () => {
  for (const s of ALL) assert.equal(isStatus(s), true);
  for (const bad of ['', 'Succeeded', 'cancelled', 'unknown', null, undefined, 1, {}, ['canceled']]) {
    assert.equal(isStatus(bad), false, String(bad));
  }
});
