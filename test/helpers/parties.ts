// A merchant with every dialect's credentials, as a client of each dialect: what the security and
// fuzz suites need to attack one merchant from another (and from nobody).
import { createMerchant } from '../../src/core/merchants/merchants.ts';
import { antomClientFor, type AntomClient } from './antom.ts';
import { nativeClientFor, type Harness, type NativeClient } from './harness.ts';
import type { NicepayMerchant } from './nicepay.ts';

export interface Party {
  merchantId: string;
  native: NativeClient;
  antom: AntomClient;
  nicepay: NicepayMerchant;
}

export async function party(h: Harness, name: string): Promise<Party> {
  const m = await createMerchant(h.deps.merchants, name);
  const native = nativeClientFor(h, m.merchant.id, m.native.apiKey, m.native.apiSecret);
  return {
    merchantId: m.merchant.id,
    native,
    antom: antomClientFor(h, m),
    nicepay: { merchantId: m.merchant.id, iMid: m.nicepay.iMid, merchantKey: m.nicepay.merchantKey, native },
  };
}
