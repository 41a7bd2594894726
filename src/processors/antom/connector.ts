// TEMPORARY: replaced by the antom connector implementation.
import type { ConnectorKind } from '../connector.ts';

export const antomConnector: ConnectorKind = {
  type: 'antom',
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
