// Reading NICEPAY request fields: every field is a string after transport.ts, an empty string counts
// as absent, and a missing required field is reported as "Undefined: <field>" with that field's code.
import { KasirError } from '../../core/errors.ts';
import { formatMajor } from '../../core/money.ts';
import { calendarUtc, storableDate } from '../../http/datetime.ts';
import { canonicalAmount } from './transport.ts';

export type Fields = Record<string, string>;

/**
 * A present, non-blank value exactly as sent (tokens hash the exact text), or undefined: "" is how
 * clients send an optional field they skip.
 */
export function opt(f: Fields, name: string): string | undefined {
  const v = Object.hasOwn(f, name) ? f[name] : undefined;
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function missing(field: string): KasirError {
  return new KasirError('INVALID_PARAMETER', `Undefined: ${field}`, { field, details: { reason: 'missing' } });
}

export function invalid(field: string, why: string): KasirError {
  return new KasirError('INVALID_PARAMETER', `Invalid ${field}: ${why}`, { field, details: { reason: 'invalid' } });
}

/** Throws for the first of `names` that is absent or blank, in the order given (NICEPAY reports one). */
export function requireFields(f: Fields, names: readonly string[]): void {
  for (const n of names) if (opt(f, n) === undefined) throw missing(n);
}

export function req(f: Fields, name: string): string {
  const v = opt(f, name);
  if (v === undefined) throw missing(name);
  return v;
}

/** NICEPAY `amt` is whole Rupiah; the core keeps IDR in minor units (exponent 2). */
export const IDR = 'IDR';
export const rupiahToMinor = (amt: string): bigint => BigInt(amt) * 100n;

/** Minor units back to NICEPAY's whole-Rupiah string ("10000"); a fraction (only possible from a
 * native-dialect refund) is shown with its decimals rather than rounded away. */
export function minorToRupiah(minor: bigint): string {
  return minor % 100n === 0n ? (minor / 100n).toString() : formatMajor(minor, IDR);
}

/** A positive whole-Rupiah amount for registration, as its canonical string. */
export function registrationAmount(f: Fields): string {
  const raw = opt(f, 'amt');
  if (raw === undefined) throw missing('amt');
  const amt = canonicalAmount(raw);
  if (amt === null) throw invalid('amt', 'must be a whole number of Rupiah');
  if (amt === '0') throw invalid('amt', 'must be greater than zero');
  return amt;
}

const WIB_MS = 7 * 3600_000;

/** `YYYYMMDD` + `HHMMSS` in WIB (UTC+7) → a Date; null when either is not a real date or time. */
export function parseWib(dt: string, tm: string): Date | null {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(dt);
  const t = /^(\d{2})(\d{2})(\d{2})$/.exec(tm);
  if (!d || !t) return null;
  const [y, mo, da, h, mi, s] = [...d.slice(1), ...t.slice(1)].map(Number);
  const wallClock = calendarUtc(y, mo, da, h, mi, s);
  return wallClock && storableDate(wallClock.getTime() - WIB_MS);
}

/** A URL the browser or the notifier may be sent to: http(s) only (never javascript: or data:). */
export function httpUrl(f: Fields, name: string, required: boolean): string | undefined {
  const v = opt(f, name);
  if (v === undefined) {
    if (required) throw missing(name);
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid(name, 'must be an absolute http or https URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(name, 'must be an absolute http or https URL');
  if (v.length > 1000) throw invalid(name, 'is too long');
  return v;
}

export function maxLen(f: Fields, name: string, max: number): void {
  const v = opt(f, name);
  if (v !== undefined && v.length > max) throw invalid(name, `must be at most ${max} characters`);
}
