// node:test tells which test an error or a hook call belongs to by following async ids: each run()
// gives its harness an async hook whose `init` maps a new resource to the test that made it, in a map
// `destroy` empties. A `destroy` hook makes V8 track every promise's death with a weak callback, and
// Kasir's code, run in the test process by most files, makes promises by the hundred thousand. That
// tracking cost about an eighth of `npm test`'s CPU (2026-12-02, alternating PGlite runs: 227 s of
// CPU without it, 263 s with it).
//
// So the harness gets its hook without `destroy`, and the worker forgets a file's ids when the file
// ends instead, through the harness's own `destroy`. Async ids are never reused and a file that has
// ended looks none of its ids up again, so which test an id belongs to, and so what node:test
// attributes to a test, does not change. runner.test.ts checks that.
//
// It must be in place before node:test loads: its harness takes `createHook` from node:async_hooks
// once, when it loads (worker.ts imports node:test after calling this).
import asyncHooks, { AsyncResource, type HookCallbacks } from 'node:async_hooks';

/** The newest async id: a fresh resource's. Ids only grow, so every id made before it is smaller. */
const newestAsyncId = (): number => new AsyncResource('kasir-test-forget').asyncId();

/**
 * Gives node:test's harness its hook without `destroy`. Returns what forgets every id made since its
 * last call: call it when a file has ended.
 */
export function forgetAsyncIdsBetweenFiles(): () => void {
  const createHook = asyncHooks.createHook;
  let destroy: HookCallbacks['destroy'];
  let from = 0;
  let warned = false;
  (asyncHooks as { createHook: typeof createHook }).createHook = (callbacks: HookCallbacks) => {
    if (!callbacks.destroy || !new Error().stack?.includes('node:internal/test_runner/')) return createHook(callbacks);
    // Every run() (one per file) makes its own hook; each `destroy` empties the same map.
    destroy = callbacks.destroy;
    // Ids from before the first run stay: the harness maps its reporter's scope when it loads.
    from ||= newestAsyncId();
    const { destroy: _tracked, ...untracked } = callbacks;
    return createHook(untracked);
  };
  return () => {
    if (!destroy) {
      // node:test loaded before this was in place (or a later Node makes its hook another way).
      if (!warned) process.stderr.write('node:test set up its async hook unchanged: it tracks every promise (slower, still correct)\n');
      warned = true;
      return;
    }
    const upTo = newestAsyncId();
    for (let id = from; id < upTo; id++) destroy(id);
    from = upTo;
  };
}
