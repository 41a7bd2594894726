// Wire-level helpers for the NICEPAY dialect: body decoding, amount canonicalisation, path
// normalisation. Pure functions so the HTTP layer stays thin and these stay unit-testable.
import { JSON_BOUNDS, jsonBoundsProblem } from '../../http/json-bounds.ts';
import { storableText } from '../../http/validate.ts';

export class NicepayBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NicepayBodyError';
  }
}

/** Media type without parameters, lower-cased: two SDKs send `Application/JSON`. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}

/** NICEPAY fields are strings on the wire, but clients send amt as a number and cartData as an
 * object; flatten everything to strings so hashing and validation see one representation. */
function scalarToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    // Integers in plain decimal (String(1e21) would be "1e+21"; -0 becomes "0").
    if (Number.isInteger(value)) return BigInt(value).toString();
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

function parseJson(text: string): Record<string, string> {
  // Before parsing: nested values are flattened by JSON.stringify, which recursion overflows.
  const beyond = jsonBoundsProblem(text);
  if (beyond !== null) throw new NicepayBodyError(`JSON body ${beyond}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new NicepayBodyError(`Malformed JSON body: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NicepayBodyError('JSON body must be an object');
  }
  // Null prototype: keys come from the client ("__proto__", "constructor" must be plain data).
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(parsed)) {
    const s = scalarToString(value);
    if (s !== undefined) out[key] = s;
  }
  return out;
}

function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let count = 0;
  // First occurrence wins, so a parameter appended later cannot override a signed one.
  for (const [key, value] of new URLSearchParams(text)) {
    // The same bound as JSON bodies' (json-bounds.ts): no real request comes near it.
    if (++count > JSON_BOUNDS.maxMembers) throw new NicepayBodyError(`Form body has more than ${JSON_BOUNDS.maxMembers} fields`);
    if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

/**
 * Decode a request body into string fields. JSON and form bodies are recognised by media type
 * (case-insensitive); a missing or unrecognised type is sniffed (`{` means JSON) because some
 * clients post JSON without a Content-Type. An empty body yields {} so the caller reports the
 * first missing field with its own "Undefined: <field>" code. The result has a null prototype.
 */
export function parseNicepayBody(contentType: string | undefined, raw: Buffer): Record<string, string> {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return Object.create(null) as Record<string, string>;
  const type = mediaType(contentType);
  const fields = isJsonType(type) || (type !== 'application/x-www-form-urlencoded' && text.trimStart().startsWith('{')) ? parseJson(text) : parseForm(text);
  // Text PostgreSQL cannot store: refuse it here as a malformed body, never a database error.
  for (const [name, value] of Object.entries(fields)) {
    if (!storableText(name) || !storableText(value)) throw new NicepayBodyError(`${name.toWellFormed()} contains a NUL character or an unpaired surrogate`);
  }
  return fields;
}

const AMOUNT = /^(\d+)(?:\.(\d+))?$/;

/**
 * Canonical whole-Rupiah amount, as hashed into merchantToken and stored: decimal digits without
 * leading zeros. Accepts "10000", " 10000 ", "10000.00"; rejects a non-zero fraction, signs,
 * exponents and more than 12 digits (the field size) with null. "0" is returned as "0" so the
 * caller can answer the distinct "amount must be greater than zero" code.
 */
export function canonicalAmount(value: string | undefined): string | null {
  if (value === undefined) return null;
  const m = AMOUNT.exec(value.trim());
  if (!m) return null;
  if (m[2] !== undefined && /[^0]/.test(m[2])) return null;
  const digits = m[1]!.replace(/^0+(?=\d)/, '');
  return digits.length <= 12 ? digits : null;
}
