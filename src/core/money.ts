// Money is integer minor units (bigint) everywhere inside Kasir; wire formats convert at the edge.

/** ISO 4217 minor-unit exponents for the currencies Kasir accepts. */
const EXPONENTS: Record<string, number> = {
  AUD: 2, BRL: 2, CAD: 2, CHF: 2, CNY: 2, EUR: 2, GBP: 2, HKD: 2, IDR: 2, INR: 2, JPY: 0,
  KRW: 0, MYR: 2, NZD: 2, PHP: 2, SGD: 2, THB: 2, TWD: 2, USD: 2, VND: 0, BHD: 3, KWD: 3,
};

/** NICEPAY quotes IDR in whole Rupiah, so its dialect uses exponent 0 on the wire (docs/nicepay-api.md). */
export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && Object.hasOwn(EXPONENTS, code);
}

export function exponentOf(currency: string): number {
  const e = EXPONENTS[currency];
  if (e === undefined) throw new RangeError(`unknown currency ${currency}`);
  return e;
}

export const MAX_MINOR = 10n ** 15n; // far above any real payment, far below int8 overflow

export type ParseResult = { ok: true; minor: bigint } | { ok: false; reason: string };

/** How a major-units amount is written on the wire; validation messages name it (http/validate.ts). */
export const DECIMAL_FORM = 'a decimal string such as "1000.00"';

/** "1000.00" (major units, at most the currency's decimals) → 100000n minor units. */
export function parseMajor(text: unknown, currency: string): ParseResult {
  if (typeof text !== 'string') return { ok: false, reason: `must be ${DECIMAL_FORM}` };
  const m = /^(\d{1,16})(?:\.(\d+))?$/.exec(text);
  if (!m) return { ok: false, reason: `must be ${DECIMAL_FORM}` };
  const exp = exponentOf(currency);
  const frac = m[2] ?? '';
  if (frac.length > exp) {
    return { ok: false, reason: `has more than ${exp} decimal places for ${currency}` };
  }
  const minor = BigInt(m[1]) * 10n ** BigInt(exp) + BigInt(frac.padEnd(exp, '0') || '0');
  return checkRange(minor);
}

/** Minor units as a decimal string of digits ("100000"), as Antom sends them. */
export function parseMinor(text: unknown): ParseResult {
  if (typeof text === 'number' && Number.isSafeInteger(text)) return checkRange(BigInt(text));
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text)) {
    return { ok: false, reason: 'must be a string of digits in minor units' };
  }
  return checkRange(BigInt(text));
}

function checkRange(minor: bigint): ParseResult {
  if (minor <= 0n) return { ok: false, reason: 'must be greater than zero' };
  if (minor > MAX_MINOR) return { ok: false, reason: 'is too large' };
  return { ok: true, minor };
}

/** 100000n THB → "1000.00"; 100n JPY → "100". */
export function formatMajor(minor: bigint, currency: string): string {
  const exp = exponentOf(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exp + 1, '0');
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  const frac = exp === 0 ? '' : '.' + digits.slice(-exp);
  return (negative ? '-' : '') + whole + frac;
}

/**
 * An amount as a buyer reads it, for the checkout pages (never for a wire format). Rupiah follows
 * the Indonesian convention — "Rp 15.000": dot thousands, no decimals since sen are not used in
 * practice (a comma and the sen only when an amount really carries them). Every other currency
 * keeps its ISO decimals with comma thousands and the code after it: "1,250.00 THB", "100 JPY".
 */
export function formatDisplay(minor: bigint, currency: string): string {
  const [whole, frac = ''] = formatMajor(minor, currency).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const group = (sep: string) => (negative ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  if (currency === 'IDR') return `Rp ${group('.')}${/[1-9]/.test(frac) ? ',' + frac : ''}`;
  return `${group(',')}${frac ? '.' + frac : ''} ${currency}`;
}
