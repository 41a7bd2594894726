// Group commit for statements that many requests make at once (the native replay guard's insert,
// the payment read that starts every operation): one statement at a time, carrying everything
// that arrived while the previous one ran. Alone, a request waits for nothing; under load, the
// requests in flight share a few statements instead of paying one round trip each.

/** What a batch answers for each of its items, in their order. */
export type Answer<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

export interface CoalesceOptions {
  /** The most items one run takes; more wait for the next. */
  maxBatch?: number;
  /**
   * A run still unanswered after this long stops holding back the next one. A statement on a
   * connection that died without a word (a cut network) may not fail for many minutes: without
   * this, every request would wait behind it.
   */
  stallMs?: number;
}

const DEFAULT_MAX_BATCH = 256;
const DEFAULT_STALL_MS = 1_000;

/**
 * `submit(item)` resolves with what `run` answers for the item, or rejects with its error (or
 * with the error of the whole run). `run` gets the items that arrived while the previous run was
 * in flight, in their order, and answers each.
 */
export function coalesce<In, Out>(run: (items: In[]) => Promise<Answer<Out>[]>, opts: CoalesceOptions = {}): (item: In) => Promise<Out> {
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const waiting: { item: In; answer: (out: Out) => void; fail: (err: unknown) => void }[] = [];
  /** Runs in flight that still hold back the next one (at most one, unless it stalled). */
  let holding = 0;

  const next = (): void => {
    if (holding > 0 || waiting.length === 0) return;
    const batch = waiting.splice(0, maxBatch);
    holding++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      holding--;
      next();
    };
    const stalled = setTimeout(release, stallMs);
    stalled.unref();
    // Called from a then: a run that throws at once fails its batch like one that rejects.
    Promise.resolve()
      .then(() => run(batch.map((w) => w.item)))
      .then(
        (answers) => batch.forEach((w, i) => {
          const a = Array.isArray(answers) ? answers[i] : undefined;
          if (a?.ok) w.answer(a.value);
          else w.fail(a ? a.error : new Error('coalesce: the batch gave no answer for this item'));
        }),
        (err) => batch.forEach((w) => w.fail(err)),
      )
      .finally(() => {
        clearTimeout(stalled);
        release();
      });
  };

  return (item) =>
    new Promise<Out>((answer, fail) => {
      waiting.push({ item, answer, fail });
      next();
    });
}

export const answered = <Out>(value: Out): Answer<Out> => ({ ok: true, value });
export const failed = <Out>(error: unknown): Answer<Out> => ({ ok: false, error });
