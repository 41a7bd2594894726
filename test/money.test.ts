import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exponentOf, formatMajor, isCurrency, MAX_MINOR, parseMajor, parseMinor } from '../src/core/money.ts';

const ok = (minor: bigint) => ({ ok: true, minor });
const reason = (r: { ok: boolean; reason?: string }) => {
  assert.equal(r.ok, false, JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  return r.reason;
};

test('parseMajor: exponent 2, 0 and 3 currencies', () => {
  assert.deepEqual(parseMajor('1000.00', 'THB'), ok(100000n));
  assert.deepEqual(parseMajor('1000', 'THB'), ok(100000n));
  assert.deepEqual(parseMajor('1000.5', 'THB'), ok(100050n));
  assert.deepEqual(parseMajor('0.01', 'USD'), ok(1n));
  assert.deepEqual(parseMajor('100', 'JPY'), ok(100n));
  assert.deepEqual(parseMajor('1', 'KRW'), ok(1n));
  assert.deepEqual(parseMajor('1.234', 'BHD'), ok(1234n));
  assert.deepEqual(parseMajor('0.001', 'KWD'), ok(1n));
});

test('parseMajor: too many decimals for the currency', () => {
  assert.equal(reason(parseMajor('100.5', 'JPY')), 'has more than 0 decimal places for JPY');
  assert.equal(reason(parseMajor('100.0', 'JPY')), 'has more than 0 decimal places for JPY');
  assert.equal(reason(parseMajor('1.001', 'THB')), 'has more than 2 decimal places for THB');
  assert.equal(reason(parseMajor('1.0000', 'BHD')), 'has more than 3 decimal places for BHD');
});

test('parseMajor: zero, negative, malformed, huge', () => {
  for (const zero of ['0', '0.00', '00.0']) assert.equal(reason(parseMajor(zero, 'THB')), 'must be greater than zero', zero);
  assert.equal(reason(parseMajor('0', 'JPY')), 'must be greater than zero');
  const malformed = ['-1', '-0.01', '+1', '1.', '.5', '1,000.00', '1e3', ' 1', '1 ', '', 'abc', '0x10', '1.2.3', '١٢', 'Infinity', 'NaN'];
  for (const text of malformed) assert.equal(reason(parseMajor(text, 'THB')), 'must be a decimal string such as "1000.00"', text);
  // 10^15 minor units is the ceiling: 10^13 THB is exactly it, one cent more is too large.
  assert.deepEqual(parseMajor('10000000000000.00', 'THB'), ok(MAX_MINOR));
  assert.equal(reason(parseMajor('10000000000000.01', 'THB')), 'is too large');
  assert.deepEqual(parseMajor('1000000000000000', 'JPY'), ok(MAX_MINOR));
  assert.equal(reason(parseMajor('1000000000000001', 'JPY')), 'is too large');
  assert.equal(reason(parseMajor('9999999999999999.99', 'THB')), 'is too large');
  // More than 16 integer digits is not even a candidate (no bigint from an unbounded string).
  assert.equal(reason(parseMajor('1'.repeat(17), 'JPY')), 'must be a decimal string such as "1000.00"');
});

test('parseMajor: non-strings are refused, never coerced', () => {
  for (const v of [1000, 10.5, 0, -1, 1000n, null, undefined, true, {}, [], ['1000.00'], { value: '1' }]) {
    assert.equal(reason(parseMajor(v, 'THB')), 'must be a decimal string such as "1000.00"', String(v));
  }
});

test('parseMajor: an unknown currency is a programming error (callers check isCurrency first)', () => {
  assert.equal(isCurrency('THB'), true);
  for (const c of ['XXX', 'thb', '', 'toString', '__proto__', 1, null]) assert.equal(isCurrency(c), false, String(c));
  assert.throws(() => exponentOf('XXX'), RangeError);
  assert.throws(() => parseMajor('1', 'XXX'), RangeError);
});

test('formatMajor: minor units → the wire string', () => {
  assert.equal(formatMajor(100000n, 'THB'), '1000.00');
  assert.equal(formatMajor(1n, 'THB'), '0.01');
  assert.equal(formatMajor(10n, 'USD'), '0.10');
  assert.equal(formatMajor(0n, 'THB'), '0.00');
  assert.equal(formatMajor(100n, 'JPY'), '100');
  assert.equal(formatMajor(0n, 'JPY'), '0');
  assert.equal(formatMajor(1234n, 'BHD'), '1.234');
  assert.equal(formatMajor(5n, 'KWD'), '0.005');
  assert.equal(formatMajor(-150n, 'THB'), '-1.50');
  assert.equal(formatMajor(MAX_MINOR, 'THB'), '10000000000000.00');
});

test('parseMinor: digits or safe integers in minor units', () => {
  assert.deepEqual(parseMinor('100000'), ok(100000n));
  assert.deepEqual(parseMinor(100000), ok(100000n));
  assert.deepEqual(parseMinor('1'), ok(1n));
  assert.deepEqual(parseMinor(String(MAX_MINOR)), ok(MAX_MINOR));
  assert.equal(reason(parseMinor(String(MAX_MINOR + 1n))), 'is too large');
  assert.equal(reason(parseMinor('0')), 'must be greater than zero');
  assert.equal(reason(parseMinor(0)), 'must be greater than zero');
  assert.equal(reason(parseMinor(-5)), 'must be greater than zero');
  for (const v of ['-5', '1.00', '1e3', '', ' 1', '1'.repeat(17), 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 2, 5n, null, undefined, true, {}, ['1']]) {
    assert.equal(reason(parseMinor(v)), 'must be a string of digits in minor units', String(v));
  }
});

const CURRENCIES = ['THB', 'USD', 'JPY', 'KRW', 'IDR', 'BHD', 'KWD', 'VND'];
const minorUnits = fc.bigInt({ min: 1n, max: MAX_MINOR });

test('property: formatMajor(parseMajor(x)) === x for every canonical amount', () => {
  fc.assert(
    fc.property(minorUnits, fc.constantFrom(...CURRENCIES), (minor, currency) => {
      const text = formatMajor(minor, currency); // canonical: no leading zeros, exactly `exp` decimals
      const parsed = parseMajor(text, currency);
      assert.deepEqual(parsed, ok(minor));
      assert.equal(formatMajor(parsed.ok ? parsed.minor : -1n, currency), text);
    }),
    { numRuns: 500 },
  );
});

test('property: any accepted decimal string parses to the value it denotes', () => {
  const decimal = fc.tuple(fc.stringMatching(/^\d{1,13}$/), fc.option(fc.stringMatching(/^\d{1,3}$/), { nil: undefined }));
  fc.assert(
    fc.property(decimal, fc.constantFrom(...CURRENCIES), ([whole, frac], currency) => {
      const text = frac === undefined ? whole : `${whole}.${frac}`;
      const exp = exponentOf(currency);
      const r = parseMajor(text, currency);
      const value = BigInt(whole) * 10n ** BigInt(exp) + (frac && frac.length <= exp ? BigInt(frac.padEnd(exp, '0')) : 0n);
      if (frac !== undefined && frac.length > exp) assert.equal(r.ok, false);
      else if (value === 0n) assert.equal(r.ok, false);
      else if (value > MAX_MINOR) assert.equal(r.ok, false);
      else assert.deepEqual(r, ok(value));
    }),
    { numRuns: 500 },
  );
});
