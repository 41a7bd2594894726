// The Antom connector: a live merchant's payments sent to an Antom-compatible provider (Antom
// itself, or another Kasir's Antom dialect). An account holds the client id the provider issued,
// the provider's public key (settings) and the private key Kasir signs with (the sealed secret).
// processor.ts makes the calls, notify.ts receives the provider's notifications.
import { KasirError } from '../../core/errors.ts';
import { parsePrivateKey, parsePublicKey } from '../../dialects/antom/signature.ts';
import type { ConnectorKind, GivenSettings } from '../connector.ts';
import { receiveAntom } from './notify.ts';
import { createAntomProcessor } from './processor.ts';

/** Sent as a header and signed: printable ASCII, no spaces. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

function required(given: GivenSettings, field: string): string {
  const v = given[field];
  if (typeof v !== 'string' || v.trim() === '') throw new KasirError('INVALID_PARAMETER', `${field} is required for an Antom connector`, { field });
  return v.trim();
}

/** A key that does not parse is refused at creation, with the parser's reason, never at the first payment. */
function key<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new KasirError('INVALID_PARAMETER', `${field}: ${(err as Error).message}`, { field });
  }
}

export const antomConnector: ConnectorKind = {
  type: 'antom',
  parseSettings(given) {
    const clientId = required(given, 'clientId');
    if (!CLIENT_ID.test(clientId)) throw new KasirError('INVALID_PARAMETER', 'clientId must be 1 to 128 printable characters without spaces', { field: 'clientId' });
    // Stored in one form each (PKCS#8, SPKI) whatever was pasted; parsePublicKey refuses a private key.
    const privatePem = required(given, 'privateKey');
    const publicPem = required(given, 'providerPublicKey');
    const privateKey = key('privateKey', () => parsePrivateKey(privatePem));
    const providerPublicKey = key('providerPublicKey', () => parsePublicKey(publicPem));
    return {
      settings: { clientId, providerPublicKey: providerPublicKey.export({ type: 'spki', format: 'pem' }).toString() },
      secret: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  },
  processor: createAntomProcessor,
  receive(account, _processor, n, core) {
    return receiveAntom(account, n, core);
  },
};
