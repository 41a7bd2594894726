// The processors one Kasir process can send payments to, registered here and nowhere else. The core
// sees only the boundary (core/processors/processor.ts) and picks a payment's processor by the name
// stored on it. Today the sandbox is the only one and gets every new payment; upstream connectors
// register beside it.
import type { ProcessorSet } from '../core/processors/processor.ts';
import { createSandboxProcessor, type SandboxOptions } from './sandbox/processor.ts';

export function createProcessors(sandbox: SandboxOptions): ProcessorSet {
  const processors = [createSandboxProcessor(sandbox)];
  return { default: processors[0].name, byName: Object.fromEntries(processors.map((p) => [p.name, p])) };
}
