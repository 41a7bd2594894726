import { Type, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox';

/** A union of string literals from a readonly tuple, keeping the literal types for Static<>. */
export function literals<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<{ [K in keyof T]: TLiteral<T[K]> } & TLiteral[]> {
  return Type.Union(values.map((v) => Type.Literal(v)), options) as never;
}
