// Faults at the processor boundary for in-process tests: the next call of one kind is held (the
// process "hangs" or "dies" inside it) until the test releases it. `booked`: the processor takes the
// call before it is held (its answer is lost in transit) or only after release (it is slow to arrive).
// On release the held call answers, or fails like a reset connection.
import type { CoreDeps } from '../../src/core/deps.ts';
import type { Processor } from '../../src/core/processors/processor.ts';
import type { ProcessorRegistry } from '../../src/processors/registry.ts';
import type { Harness } from './harness.ts';

export type HeldCall = 'authorize' | 'capture' | 'void' | 'refund';

export function holdNextCall(h: Harness, call: HeldCall, o: { booked: boolean; onRelease: 'answer' | 'reset' }) {
  const byName = sandboxes(h.deps.core);
  const sandbox = byName.sandbox;
  const real = sandbox[call] as (...a: unknown[]) => Promise<unknown>;
  let release!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const enteredCall = new Promise<void>((resolve) => (entered = resolve));
  byName.sandbox = {
    ...sandbox,
    [call]: async (...a: unknown[]) => {
      byName.sandbox = sandbox; // only this one call is held
      const answer = o.booked ? await real(...a) : undefined;
      entered();
      await released;
      if (o.onRelease === 'reset') throw new Error('socket hang up');
      return o.booked ? answer : real(...a);
    },
  };
  return { release, entered: enteredCall };
}

/** The processors that exist without an account (the sandbox), by name: replacing one changes what the app calls. */
export function sandboxes(core: CoreDeps): Record<string, Processor> {
  return (core.processors as ProcessorRegistry).byName;
}

/** Core deps whose sandbox is `sandbox` (a test double), every other processor unchanged. */
export function withSandbox(core: CoreDeps, sandbox: Processor): CoreDeps {
  const real = core.processors;
  return { ...core, processors: { get: async (name) => (name === 'sandbox' ? sandbox : real.get(name)), candidates: (m, w) => real.candidates(m, w) } };
}
