// A merchant's contract: which APIs it may call and, per method family, when a payment may be
// canceled. Provider profiles give the defaults (defaults.ts); each merchant may override any part.
import { Type, type Static, type TPartial } from '@sinclair/typebox';

export const METHOD_FAMILIES = ['card', 'wallet', 'thai_banking', 'indonesian', 'bank_transfer'] as const;
export type MethodFamily = (typeof METHOD_FAMILIES)[number];

export const CancelRuleSchema = Type.Object(
  {
    /** May a payment that has not yet succeeded be canceled (void, close the QR/VA/redirect)? */
    beforeSuccess: Type.Boolean(),
    /** May a succeeded (captured) payment be canceled? The money then goes back to the payer. */
    afterSuccess: Type.Boolean(),
    /** May a cancel be for part of the amount (NICEPAY cancelType 2)? */
    partial: Type.Boolean(),
    /** Seconds after `windowAnchor` during which a cancel is accepted; null = no limit. */
    windowSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    windowAnchor: Type.Union([Type.Literal('created'), Type.Literal('authorized'), Type.Literal('succeeded')]),
    /**
     * A cancel after success is accepted until this local time on the day after success, e.g.
     * "00:15+08:00" (Antom wallets: "until 00:15 UTC+8 the next day"); null = no such cut-off.
     */
    afterSuccessUntilNextDay: Type.Union([Type.String({ pattern: '^\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}$' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CancelRule = Static<typeof CancelRuleSchema>;

export const ContractSchema = Type.Object(
  {
    /** APIs the merchant may call; a disabled one answers API_NOT_ENABLED (Antom INVALID_API). */
    apis: Type.Object(
      {
        cancel: Type.Boolean(),
        partialCancel: Type.Boolean(),
        refund: Type.Boolean(),
        capture: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    cancel: Type.Object(
      Object.fromEntries(METHOD_FAMILIES.map((f) => [f, CancelRuleSchema])) as Record<MethodFamily, typeof CancelRuleSchema>,
      { additionalProperties: false },
    ),
    /** Requests per second per merchant before RATE_LIMITED; null = unlimited. */
    rateLimitPerSecond: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Contract = Static<typeof ContractSchema>;

/** An override has the same shape with every part optional: it is deep-merged over the defaults. */
export const ContractOverrideSchema = Type.Partial(
  Type.Object(
    {
      apis: Type.Partial(ContractSchema.properties.apis, { additionalProperties: false }),
      cancel: Type.Partial(
        Type.Object(
          Object.fromEntries(
            METHOD_FAMILIES.map((f) => [f, Type.Partial(CancelRuleSchema, { additionalProperties: false })]),
          ) as Record<MethodFamily, TPartial<typeof CancelRuleSchema>>,
          { additionalProperties: false },
        ),
      ),
      rateLimitPerSecond: ContractSchema.properties.rateLimitPerSecond,
    },
    { additionalProperties: false },
  ),
);
export type ContractOverride = Static<typeof ContractOverrideSchema>;

/** Per profile: native, antom, nicepay (a payment keeps the profile of the dialect that created it). */
export type ContractOverrides = Partial<Record<'native' | 'antom' | 'nicepay', ContractOverride>>;
