// NICEPAY credentials, created with the merchant and returned once: an iMid (exactly 10 characters)
// and the shared merchantKey (sealed at rest: tokens are recomputed from it).
import { randomBytes } from 'node:crypto';
import { KasirError } from '../../core/errors.ts';
import { randomCode } from '../../core/ids.ts';
import { insertCredential, type CredentialProvisioner } from '../../core/merchants/merchants.ts';

export interface NicepayCredentials {
  iMid: string;
  merchantKey: string;
}

/** A given iMid and key (e.g. the published IONPAYTEST pair) or freshly generated ones. */
export const nicepayCredentials: CredentialProvisioner<Partial<NicepayCredentials>, NicepayCredentials> = {
  async prepare(deps, { id: merchantId }, given) {
    const iMid = given?.iMid ?? 'KSR' + randomCode(7);
    if (!/^[A-Za-z0-9]{10}$/.test(iMid)) throw new KasirError('INVALID_PARAMETER', 'iMid must be exactly 10 letters or digits', { field: 'nicepay.iMid' });
    const merchantKey = given?.merchantKey ?? randomBytes(64).toString('base64');
    if (merchantKey.length < 8 || merchantKey.length > 512) throw new KasirError('INVALID_PARAMETER', 'merchantKey must be 8 to 512 characters', { field: 'nicepay.merchantKey' });
    return async (q) => {
      await insertCredential(q, deps, merchantId, 'nicepay', iMid, merchantKey, {});
      return { iMid, merchantKey };
    };
  },
};
