import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sha256Hex, registrationToken, paymentToken, inquiryToken, cancelToken, notificationToken, tokenMatches,
} from '../src/dialects/nicepay/token.ts';

// Published NICEPAY sandbox key: contains '+', '/' and '=', which must be hashed verbatim.
const merchantKey = '33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A==';

test('registration vector', () => {
  assert.equal(
    registrationToken({ timeStamp: '20250131004620', iMid: 'IONPAYTEST', referenceNo: 'NICEPAYVA111213', amt: '100', merchantKey }),
    '60a41b65d95977ba5bb8c360795f5862a58cf09a77777a8f6cae6e2a980f5124',
  );
});

test('inquiry vector', () => {
  assert.equal(
    inquiryToken({ timeStamp: '20250131005524', iMid: 'IONPAYTEST', referenceNo: 'OrdNo20166153345260', amt: '1000', merchantKey }),
    'ae81bdc31418ef1d46f737ea93048d80e6daa60d986f9b35562ce19c093b4102',
  );
});

test('cancel vector (full)', () => {
  assert.equal(
    cancelToken({ timeStamp: '20250131010149', iMid: 'NORMALTEST', tXid: 'NORMALTEST02202501241048477051', amt: '10000', merchantKey }),
    '9a988de03c0cfe5189af3a53e758ee03361d84127ce599040d1875232df3cdd2',
  );
});

test('cancel vector (partial)', () => {
  assert.equal(
    cancelToken({ timeStamp: '20221214111239', iMid: 'IONPAYTEST', tXid: 'IONPAYTEST01202212141146401456', amt: '5000', merchantKey }),
    'ff139e49606387091cd9baeadff3161aff6afd9406e1f481e0fdb8b46d1ae5ae',
  );
});

test('payment uses the registration formula; notification omits timeStamp', () => {
  const i = { timeStamp: '20250131004620', iMid: 'IONPAYTEST', referenceNo: 'NICEPAYVA111213', amt: '100', merchantKey };
  assert.equal(paymentToken(i), registrationToken(i));
  const tXid = 'IONPAYTEST02202501310046200001';
  assert.equal(notificationToken({ iMid: 'IONPAYTEST', tXid, amt: '100', merchantKey }), sha256Hex('IONPAYTEST' + tXid + '100' + merchantKey));
});

test('sha256Hex is lower-case hex of UTF-8', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('tokenMatches', () => {
  const t = sha256Hex('x');
  assert.equal(tokenMatches(t, t), true);
  assert.equal(tokenMatches(t, t.toUpperCase()), true);
  assert.equal(tokenMatches(t, t.slice(1)), false);
  assert.equal(tokenMatches(t, t + '0'), false);
  assert.equal(tokenMatches(t, ''), false);
  assert.equal(tokenMatches(t, sha256Hex('y')), false);
  for (const bad of [undefined, null, 123, ['x'], { t }, Buffer.from(t)]) assert.equal(tokenMatches(t, bad), false);
  assert.equal(tokenMatches('', ''), false);
});
