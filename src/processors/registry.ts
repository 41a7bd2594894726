// The processors one Kasir process can send payments to, registered here and nowhere else. The core
// sees only the boundary (core/processors/processor.ts) and picks a payment's processor by the name
// stored on it: `sandbox` (test merchants), or the id of one of a live merchant's connector accounts,
// each served by its provider's connector (antom/, nicepay/).
import { getConnector, type ConnectorType } from '../core/connectors/accounts.ts';
import { routedConnectors } from '../core/connectors/routes.ts';
import type { SecretBox } from '../core/merchants/secret-box.ts';
import type { Processor, ProcessorSet } from '../core/processors/processor.ts';
import { antomConnector } from './antom/connector.ts';
import type { ConnectorDeps, ConnectorKind } from './connector.ts';
import { nicepayConnector } from './nicepay/connector.ts';
import { createSandboxProcessor, SANDBOX, type SandboxOptions } from './sandbox/processor.ts';
import type { ProcessorMeter } from '../observability/metrics.ts';
import { meteredProcessor } from '../observability/metered-processor.ts';

export const CONNECTOR_KINDS: Readonly<Record<ConnectorType, ConnectorKind>> = { antom: antomConnector, nicepay: nicepayConnector };

export interface ProcessorOptions extends SandboxOptions {
  box: SecretBox;
  /** Upstream call timeout (KASIR_CONNECTOR_TIMEOUT_MS). */
  connectorTimeoutMs?: number;
  /** Times and counts every processor call (Prometheus metrics); none when absent. */
  meter?: ProcessorMeter;
}

/** The process's processors; `byName` holds the ones that exist without an account (the sandbox). */
export interface ProcessorRegistry extends ProcessorSet {
  byName: Record<string, Processor>;
}

export function createProcessors(o: ProcessorOptions): ProcessorRegistry {
  const byName: Record<string, Processor> = { [SANDBOX]: createSandboxProcessor(o) };
  const connectorDeps: ConnectorDeps = { db: o.db, clock: o.clock, publicUrl: o.publicUrl, timeoutMs: o.connectorTimeoutMs ?? 10_000 };
  // An account's settings never change after creation (a new key is a new account): one processor
  // per account for the life of the process.
  const connectors = new Map<string, Promise<Processor>>();
  // byName stays the bare processors (tests swap doubles in there); what `get` hands out is metered,
  // once per processor object.
  const metered = new WeakMap<Processor, Processor>();
  const meter = (p: Processor, kind: string): Processor => {
    if (!o.meter) return p;
    let m = metered.get(p);
    if (!m) metered.set(p, (m = meteredProcessor(p, kind, o.meter)));
    return m;
  };
  const connectorProcessor = (id: string) => {
    let found = connectors.get(id);
    if (!found) {
      found = getConnector(o, id).then((account) => meter(CONNECTOR_KINDS[account.type].processor(account, connectorDeps), account.type));
      found.catch(() => connectors.delete(id));
      connectors.set(id, found);
    }
    return found;
  };
  return {
    byName,
    async get(name) {
      if (Object.hasOwn(byName, name)) return meter(byName[name], name);
      if (name.startsWith('con_')) return connectorProcessor(name);
      throw new Error(`payment processor ${name} is not configured in this process`);
    },
    async candidates(merchant, wish) {
      if (merchant.mode === 'test') return [SANDBOX];
      const ids = await routedConnectors(o.db, merchant.id, wish);
      const able: string[] = [];
      for (const id of ids) {
        // A provider that cannot authorize now and capture later is no route for a manual capture.
        if (wish.captureMethod === 'manual' && !(await connectorProcessor(id)).abilities.manualCapture) continue;
        able.push(id);
      }
      return able;
    },
  };
}
