// TEMPORARY: replaced by the nicepay connector implementation.
import type { ConnectorKind } from '../connector.ts';

export const nicepayConnector: ConnectorKind = {
  type: 'nicepay',
  parseSettings() {
    throw new Error('not yet');
  },
  processor() {
    throw new Error('not yet');
  },
  async receive() {
    throw new Error('not yet');
  },
};
