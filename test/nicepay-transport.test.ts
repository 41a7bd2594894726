import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNicepayBody, NicepayBodyError, canonicalAmount } from '../src/dialects/nicepay/transport.ts';
import { wibParts, formatTxid, parseTxid, sandboxVacctNo, STATUS_WORDS, statusWord } from '../src/dialects/nicepay/txid.ts';
import * as codes from '../src/dialects/nicepay/result-codes.ts';

const body = (ct: string | undefined, text: string) => ({ ...parseNicepayBody(ct, Buffer.from(text)) });

test('JSON body: numbers, empty strings, null, nested values', () => {
  const got = body('application/json', JSON.stringify({
    amt: 10000, big: 1e21, neg0: -0, frac: 1.5, preauthToken: '', worker: null, ok: true,
    cartData: { count: 1, item: [{ goods_amt: 100 }] }, list: [1, 'a'],
  }));
  assert.deepEqual(got, {
    amt: '10000', big: '1000000000000000000000', neg0: '0', frac: '1.5', preauthToken: '', ok: 'true',
    cartData: '{"count":1,"item":[{"goods_amt":100}]}', list: '[1,"a"]',
  });
  assert.equal('worker' in got, false);
});

test('media types match case-insensitively, parameters ignored', () => {
  assert.deepEqual(body('Application/JSON; charset=utf-8', '{"iMid":"IONPAYTEST"}'), { iMid: 'IONPAYTEST' });
  assert.deepEqual(body('APPLICATION/X-WWW-FORM-URLENCODED;charset=UTF-8', 'iMid=IONPAYTEST&amt=100'), { iMid: 'IONPAYTEST', amt: '100' });
  assert.deepEqual(body('application/vnd.x+json', '{"a":"1"}'), { a: '1' });
});

test('form body: decoding, empty values kept, first duplicate wins', () => {
  assert.deepEqual(
    body('application/x-www-form-urlencoded', 'a=1&b=&c=x%2By+z&a=2&merchantKey=33F4%2F%3D'),
    { a: '1', b: '', c: 'x+y z', merchantKey: '33F4/=' },
  );
});

test('missing or unknown content type is sniffed; empty body is {}', () => {
  assert.deepEqual(body(undefined, ' {"a":"1"}'), { a: '1' });
  assert.deepEqual(body('text/plain', 'a=1'), { a: '1' });
  assert.deepEqual(body('application/json', ''), {});
  assert.deepEqual(body('application/json', '\uFEFF{"a":"1"}'), { a: '1' });
});

test('client keys cannot touch the prototype', () => {
  const got = parseNicepayBody('application/json', Buffer.from('{"__proto__":{"x":1},"constructor":"c"}'));
  assert.equal(Object.getPrototypeOf(got), null);
  assert.equal(got['__proto__'], '{"x":1}');
  assert.equal(got['constructor'], 'c');
});

test('malformed bodies throw NicepayBodyError', () => {
  for (const bad of ['{"a":', '[1,2]', '"str"', 'null', '42', '{a:1}']) {
    assert.throws(() => parseNicepayBody('application/json', Buffer.from(bad)), (e: unknown) => e instanceof NicepayBodyError && e.message.length > 0, bad);
  }
});

test('canonicalAmount', () => {
  const ok: Array<[string, string]> = [
    ['10000', '10000'], [' 10000 ', '10000'], ['10000.00', '10000'], ['10000.0', '10000'], ['007', '7'],
    ['0', '0'], ['0.00', '0'], ['000', '0'], ['999999999999', '999999999999'], ['0000999999999999', '999999999999'],
  ];
  for (const [i, o] of ok) assert.equal(canonicalAmount(i), o, i);
  for (const bad of [undefined, '', ' ', '10000.5', '10000.01', '-100', '+100', '1e4', '10,000', '100.', '.00',
    '1000000000000', 'abc', '0x10', '١٢٣', '10 000', 'Infinity', 'NaN']) {
    assert.equal(canonicalAmount(bad), null, String(bad));
  }
});

test('wibParts is UTC+7 whatever the process time zone', () => {
  const saved = process.env.TZ;
  try {
    for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Tokyo']) {
      process.env.TZ = tz;
      assert.deepEqual(wibParts(new Date('2024-12-31T17:30:05Z')), { transDt: '20250101', transTm: '003005' }, tz);
      assert.deepEqual(wibParts(new Date('2024-02-29T16:59:59Z')), { transDt: '20240229', transTm: '235959' }, tz);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
  }
  assert.throws(() => wibParts(new Date('nope')), RangeError);
});

test('formatTxid / parseTxid round trip near midnight UTC', () => {
  const d = new Date('2024-12-31T23:59:59Z'); // 2025-01-01 06:59:59 WIB
  const tXid = formatTxid('IONPAYTEST', '02', d, 7);
  assert.equal(tXid, 'IONPAYTEST02202501010659590007');
  assert.equal(tXid.length, 30);
  assert.deepEqual(parseTxid(tXid), { iMid: 'IONPAYTEST', payMethod: '02', transDt: '20250101', transTm: '065959', sequence: 7 });
  const late = formatTxid('NORMALTEST', '01', new Date('2025-01-23T17:00:00Z'), 123456);
  assert.equal(late, 'NORMALTEST01202501240000003456');
  assert.equal(parseTxid(late)?.sequence, 3456);
  assert.equal(formatTxid('IONPAYTEST', '01', d, 10000).slice(-4), '0000');
  // The seed's and the spec's published tXids parse.
  assert.deepEqual(parseTxid('TESTIDTEST01201803051530400331'), { iMid: 'TESTIDTEST', payMethod: '01', transDt: '20180305', transTm: '153040', sequence: 331 });
  assert.equal(parseTxid('NORMALTEST02202501241048477051')?.transTm, '104847');
});

test('formatTxid rejects bad iMid / payMethod / sequence; parseTxid rejects bad shapes', () => {
  const d = new Date();
  for (const iMid of ['SHORT', 'IONPAYTEST1', 'IONPAY TES']) assert.throws(() => formatTxid(iMid, '01', d, 1), RangeError);
  for (const pm of ['1', '001', 'AB']) assert.throws(() => formatTxid('IONPAYTEST', pm, d, 1), RangeError);
  assert.throws(() => formatTxid('IONPAYTEST', '01', d, 1.5), RangeError);
  for (const bad of ['', 'IONPAYTEST0120250101065959000', 'IONPAYTEST012025010106595900071', 'IONPAYTESTA1202501010659590007', 'IONPAYTEST0120250101065959000X']) {
    assert.equal(parseTxid(bad), null, bad);
  }
});

test('sandboxVacctNo ends with the tXid last 10 digits', () => {
  const tXid = 'IONPAYTEST02202501010659590007';
  assert.equal(sandboxVacctNo('8889', tXid), '88890659590007');
  assert.ok(sandboxVacctNo('8889', tXid).endsWith(tXid.slice(-10)));
  assert.throws(() => sandboxVacctNo('88a', tXid), RangeError);
  assert.throws(() => sandboxVacctNo('8889', 'short'), RangeError);
});

test('statusWord covers every cell of the spec table', () => {
  const table: Record<string, Array<string | undefined>> = {
    //      0          1           2         3         4             5           6          7          8         9
    '01': ['success', 'void', 'refund', undefined, undefined, undefined, undefined, undefined, 'failed', 'init'],
    '02': ['paid', 'reversal', undefined, 'unpaid', 'expired', undefined, undefined, undefined, undefined, undefined],
    '03': ['paid', undefined, undefined, 'unpaid', 'expired', 'ready', undefined, undefined, undefined, undefined],
    '05': ['paid', 'void', 'refund', 'unpaid', 'processing', 'expired', undefined, undefined, 'failed', 'init'],
    '08': ['success', undefined, 'refund', 'unpaid', 'processing', 'expired', undefined, undefined, undefined, undefined],
  };
  assert.deepEqual(Object.keys(STATUS_WORDS).sort(), Object.keys(table).sort());
  for (const [pm, row] of Object.entries(table)) {
    row.forEach((word, code) => {
      assert.equal(statusWord(pm, code), word, `${pm}/${code}`);
      assert.equal(statusWord(pm, String(code)), word, `${pm}/"${code}"`);
    });
  }
  assert.equal(statusWord('04', 0), undefined);
  assert.equal(statusWord('toString', 0), undefined);
  assert.equal(statusWord('01', '00'), undefined);
  assert.equal(statusWord('01', 10), undefined);
});

test('result codes: 4-char codes and Undefined: <field>', () => {
  assert.deepEqual(codes.INVALID_TOKEN, { resultCd: '9010', resultMsg: 'Invalid Merchant Token. Contact NICEPay for further information.' });
  assert.deepEqual(codes.SUCCESS, { resultCd: '0000', resultMsg: 'SUCCESS' });
  const expected: Record<string, string> = {
    UNKNOWN_IMID: '9011', CANNOT_CANCEL: '9314', DUPLICATE_CANCEL: '9315', FULL_AFTER_PARTIAL: '9320', AMOUNT_TOO_LARGE: '9319',
    AMOUNT_NOT_POSITIVE: '9321', NO_CANCEL_AMOUNT: '9312', INVALID_CANCEL_TYPE: '9301', VA_PARTIAL: '9318', VA_PAID: '9330',
    MERCHANT_CANNOT_CANCEL: '9331', MERCHANT_CANNOT_PARTIAL: '9332', WINDOW_EXCEEDED: '9334',
  };
  for (const [name, cd] of Object.entries(expected)) {
    assert.equal((codes as unknown as Record<string, { resultCd: string }>)[name]?.resultCd, cd, name);
  }
  assert.deepEqual(codes.undefinedField('currency'), { resultCd: '9013', resultMsg: 'Undefined: currency' });
  assert.deepEqual(codes.undefinedField('amt'), { resultCd: '9007', resultMsg: 'Undefined: amt' });
  assert.equal(codes.undefinedField('somethingElse').resultCd, codes.UNDEFINED_FIELD_FALLBACK);
  assert.equal(codes.undefinedField('toString').resultCd, codes.UNDEFINED_FIELD_FALLBACK);
  const all = Object.values(codes.UNDEFINED_FIELD_CODES);
  assert.equal(new Set(all).size, all.length, 'field codes are distinct');
  for (const cd of all) assert.match(cd, /^90\d\d$/);
});
