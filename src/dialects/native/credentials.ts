// Native credentials: an API key id (`kn_…`, the X-API-Key) and its secret (`ks_…`, sealed at rest:
// requests are HMAC-signed with it). Issued with the merchant and again on each rotation.
import { token } from '../../core/ids.ts';
import { insertCredential, type CredentialProvisioner } from '../../core/merchants/merchants.ts';

export interface NativeCredentials {
  apiKey: string;
  apiSecret: string;
}

export const nativeCredentials: CredentialProvisioner<never, NativeCredentials> = {
  async prepare(deps, { id: merchantId }) {
    const apiKey = token('kn_', 16);
    const apiSecret = token('ks_', 32);
    return async (q) => {
      await insertCredential(q, deps, merchantId, 'native', apiKey, apiSecret, {});
      return { apiKey, apiSecret };
    };
  },
};
