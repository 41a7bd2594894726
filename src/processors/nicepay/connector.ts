// The NICEPAY connector (src/processors/connector.ts): a live merchant's account at NICEPAY Indonesia
// "direct v2" — or at anything speaking it, such as another Kasir's NICEPAY dialect. Settings: the
// account's iMid (public); secret: its merchantKey, sealed at rest and used only to compute tokens.
import { KasirError } from '../../core/errors.ts';
import type { ConnectorKind } from '../connector.ts';
import { receiveNotification } from './notify.ts';
import { createNicepayProcessor } from './processor.ts';

export const nicepayConnector: ConnectorKind = {
  type: 'nicepay',
  parseSettings(given) {
    const iMid = given.iMid?.trim();
    if (!iMid) throw new KasirError('INVALID_PARAMETER', 'iMid is required: the 10-character merchant id NICEPAY issued for this account', { field: 'iMid' });
    if (!/^[A-Za-z0-9]{10}$/.test(iMid)) throw new KasirError('INVALID_PARAMETER', 'iMid must be exactly 10 letters or digits', { field: 'iMid' });
    const merchantKey = given.merchantKey;
    if (!merchantKey) throw new KasirError('INVALID_PARAMETER', 'merchantKey is required: the merchant key NICEPAY issued with the iMid', { field: 'merchantKey' });
    // Tokens hash the key byte for byte: surrounding spaces or a line break pasted along would make
    // every request fail with 9010, so they are refused now rather than at the first payment.
    if (merchantKey.length < 8 || merchantKey.length > 512 || /\s/.test(merchantKey)) {
      throw new KasirError('INVALID_PARAMETER', 'merchantKey must be 8 to 512 characters without spaces or line breaks', { field: 'merchantKey' });
    }
    return { settings: { iMid }, secret: merchantKey };
  },
  processor: createNicepayProcessor,
  receive: receiveNotification,
};
