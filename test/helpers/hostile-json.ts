// fast-check arbitraries for hostile request bodies. Values are a small JSON syntax tree rather than
// JS values, because what an attacker sends is text JSON.stringify cannot write: duplicate keys,
// number literals no double holds (1e999, 400 digits), nesting thousands deep, `__proto__` as a
// key, broken syntax, and bytes that are not UTF-8.
import fc from 'fast-check';

/** A JSON value as text is written: objects are key/value pairs (so a key can repeat). */
export type Json = null | boolean | string | { raw: string } | Json[] | { pairs: [string, Json][] };

export const raw = (text: string): Json => ({ raw: text });
export const obj = (o: Record<string, Json>): Json => ({ pairs: Object.entries(o) });

export function jsonText(v: Json): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if ('raw' in v) return v.raw;
  return `{${v.pairs.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
}

/** Keys that reach JS object machinery, or look like the API's own. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/**
 * Any code point, lone surrogates included, as fast-check's `unit: 'binary'`. That unit, made, maps
 * all 1,114,112 code points back to their places first (to find which of fast-check's dangerous
 * strings it can build): about 1 s of CPU and a Map of that size in the process that loads this
 * file. This one answers the same question by computing.
 */
const anyCodePoint: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0x10ffff }).map(
  (cp) => String.fromCodePoint(cp),
  (s) => {
    const cp = typeof s === 'string' ? s.codePointAt(0) : undefined;
    if (cp === undefined || String.fromCodePoint(cp) !== s) throw new Error('not one code point');
    return cp;
  },
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: anyCodePoint, maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uFEFF{}', '\u202Eevil', 'ÿ', '😀'.repeat(50), 'null', 'NaN', 'true', '-0', '1e999', "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd', '%00%ff', '${jndi:x}', ...PROTO_KEYS) },
  // Lone UTF-16 surrogates: valid JSON escapes ("\ud800") that no UTF-8 text, and no jsonb, can hold.
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\uD800', '\uDFFF', '\uDBFF\uDBFF', '\uDFFF\uD800'), fc.string({ maxLength: 8 })).map((p) => p.join('')) },
  // Longer than any field allows, up to past the body limit (64 KiB): the limit must answer, not a crash.
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

export const hostileNumber: fc.Arbitrary<Json> = fc.oneof(
  fc.integer().map((n) => raw(String(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => raw(JSON.stringify(n))),
  fc.constantFrom('0', '-0', '1e999', '-1e999', '1e-999', '9007199254740993', '1' + '0'.repeat(400), '0.1e1', '1E+2', '-1', '123456789012345678901234567890').map(raw),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => raw(n.toString())),
);

export const hostileScalar: fc.Arbitrary<Json> = fc.oneof(fc.constant(null), fc.boolean(), hostileString, hostileNumber);

/** Nesting far past any real request: where recursive walkers used to overflow the stack. */
export const deepNesting: fc.Arbitrary<Json> = fc
  .tuple(fc.integer({ min: 30, max: 6000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => raw(open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth)));

export const hostileKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString);

/** Any JSON value a few levels deep, with hostile keys and scalars (and now and then a deep one). */
export const hostileValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: hostileScalar },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 5 }) },
    { weight: 2, arbitrary: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 5 }).map((pairs) => ({ pairs })) },
    { weight: 1, arbitrary: deepNesting },
  ),
})).value;

export interface FieldSpec {
  fields: Record<string, fc.Arbitrary<Json>>;
  /** Fields a valid request may leave out (the rest are required). */
  optional?: string[];
}

type Mutation = { kind: 'replace' | 'repeat'; key: string; value: Json } | { kind: 'drop'; key: string } | { kind: 'add'; key: string; value: Json };

function mutate(pairs: [string, Json][], m: Mutation): [string, Json][] {
  if (m.kind === 'drop') return pairs.filter(([k]) => k !== m.key);
  if (m.kind === 'replace') return pairs.map(([k, v]) => [k, k === m.key ? m.value : v]);
  return [...pairs, [m.key, m.value]];
}

/**
 * An object with the operation's fields: mostly a valid request with one or two hostile mutations
 * (a field replaced, dropped or repeated with another value, a hostile key added), so that requests
 * get past validation into the operations; else each field at random, valid, hostile or absent.
 */
export function hostileObject(spec: FieldSpec): fc.Arbitrary<Json> {
  const keys = Object.keys(spec.fields);
  const optional = new Set(spec.optional ?? []);
  const valid = fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), spec.fields[k], optional.has(k) ? fc.boolean() : fc.constant(true)))).map((t) =>
    t.filter(([, , present]) => present).map(([k, v]): [string, Json] => [k, v]),
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constantFrom('replace' as const, 'repeat' as const), key: fc.constantFrom(...keys), value: hostileValue }),
    fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...keys) }),
    fc.record({ kind: fc.constant('add' as const), key: hostileKey, value: hostileValue }),
  );
  const mutated = fc.tuple(valid, fc.array(mutation, { maxLength: 2 })).map(([pairs, ms]): Json => ({ pairs: ms.reduce(mutate, pairs) }));
  const random = fc
    .tuple(fc.tuple(...keys.map((k) => fc.option(fc.tuple(fc.constant(k), fc.oneof(spec.fields[k], hostileValue))))), fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 3 }))
    .map(([own, extra]): Json => ({ pairs: [...own.filter((e): e is [string, Json] => e !== null), ...extra] }));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: random });
}

/** Text that is not JSON, or not JSON of an object: broken syntax, wrong top-level types, not UTF-8. */
export const malformedBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom('', '{', '}', '{"a":}', '{"a" 1}', "{'a':1}", '{"a":1,}', '[1,2', 'nul', 'null', 'true', '42', '"text"', '[]', '{}{}', '\uFEFF{"a":1}', '{"a":"\\u12"}', '{"a":1}garbage'),
  fc.tuple(hostileValue, fc.nat()).map(([v, cut]) => { const t = jsonText(v); return t.slice(0, cut % (t.length + 1)); }),
  fc.string({ unit: anyCodePoint, maxLength: 200 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('{"a":"'), Buffer.from(b), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
);

/** A whole body: the operation's object made hostile (mostly), any JSON value, or malformed text. */
export function hostileBody(spec: FieldSpec): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 8, arbitrary: hostileObject(spec).map(jsonText) },
    { weight: 1, arbitrary: hostileValue.map(jsonText) },
    { weight: 1, arbitrary: malformedBody },
  );
}

/** Values to build valid fields from. */
export const str = (...values: string[]): fc.Arbitrary<Json> => fc.constantFrom(...values);
export const anyOf = (...arbs: fc.Arbitrary<Json>[]): fc.Arbitrary<Json> => fc.oneof(...arbs);
/** Mostly the valid value `v`, else one of the others (wrong, but of the right type). */
export const good = (v: Json, ...others: fc.Arbitrary<Json>[]): fc.Arbitrary<Json> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: anyOf(...others) });
