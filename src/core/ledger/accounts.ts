// Ledger account names. Merchant accounts (never negative): `pending` holds captured funds not yet
// settled, `available` settled funds, `reserved` funds held for a refund or reversal whose processor
// call is under way. External accounts (may go negative) stand for the world outside Kasir.

export const EXTERNAL_PAYERS = 'external:payers';
export const EXTERNAL_PAYOUTS = 'external:payouts';

export type MerchantBucket = 'pending' | 'available' | 'reserved';

export function merchantAccount(merchantId: string, bucket: MerchantBucket): string {
  return `merchant:${merchantId}:${bucket}`;
}

export const isExternal = (account: string) => account.startsWith('external:');
