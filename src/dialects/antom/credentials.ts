// Antom credentials, created with the merchant and returned once: a client id, the merchant's RSA
// public key (Kasir verifies requests with it) and a gateway key pair per client id (Kasir signs
// responses with its private half, sealed at rest).
import { randomCode } from '../../core/ids.ts';
import { insertCredential, setCredentialField, type CredentialProvisioner, type MerchantDeps } from '../../core/merchants/merchants.ts';

export interface AntomCredentials {
  clientId: string;
  merchantPrivateKeyPkcs8: string | null;
  merchantPrivateKeyPkcs1: string | null;
  gatewayPublicKey: string;
}

/** The merchant's own public key (PEM); without one Kasir generates the merchant's key pair too. */
export interface AntomGiven {
  merchantPublicKey?: string;
}

/**
 * `merchantPublicKey` given: the merchant keeps its own private key and Kasir returns none.
 * The SANDBOX_ prefix lets SDKs route to /ams/sandbox/api; every prefix accepts every client id.
 */
export const antomCredentials: CredentialProvisioner<AntomGiven, AntomCredentials> = {
  async prepare(deps, merchant, given) {
    const merchantId = merchant.id;
    const merchantPublicKey = given?.merchantPublicKey;
    // Live merchants' SDKs must call the live path (/ams/api), which they do for any other prefix.
    const clientId = (merchant.mode === 'live' ? 'LIVE_' : 'SANDBOX_') + randomCode(16);
    const [gateway, merchantPair] = await Promise.all([deps.rsaKeyPair(), merchantPublicKey ? null : deps.rsaKeyPair()]);
    return async (q) => {
      await insertCredential(q, deps, merchantId, 'antom', clientId, gateway.privateKeyPkcs8Pem, {
        merchantPublicKey: merchantPublicKey ?? merchantPair!.publicKeySpkiPem,
        gatewayPublicKey: gateway.publicKeySpkiPem,
      });
      return {
        clientId,
        merchantPrivateKeyPkcs8: merchantPair?.privateKeyPkcs8Pem ?? null,
        merchantPrivateKeyPkcs1: merchantPair?.privateKeyPkcs1Pem ?? null,
        gatewayPublicKey: gateway.publicKeySpkiPem,
      };
    };
  },
};

export function setAntomMerchantPublicKey(deps: MerchantDeps, merchantId: string, publicKeyPem: string): Promise<void> {
  return setCredentialField(deps, merchantId, 'antom', 'merchantPublicKey', publicKeyPem);
}
