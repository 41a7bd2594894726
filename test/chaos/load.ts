// One round of load: the round's scenarios run on a small pool of workers (each scenario's steps in
// order, as a merchant's order flow would), while Kasir is SIGKILLed once at a seeded point. Every
// request that got no answer, or an answer meaning "not finished, ask again", is sent again — same
// keys, new signature — like an SDK with retries would, within a time budget per request.
import { setTimeout as sleep } from 'node:timers/promises';
import { digest, matches, reportedIds, retryable, retryDelayMs, type Answer, type Digest } from './clients.ts';
import type { KasirProcess } from './kasir.ts';
import type { Scenario, Step } from './scenarios.ts';

export interface StepRecord {
  scenario: Scenario;
  step: Step;
  attempts: number;
  /** Attempts that got no answer at all (the process was killed under them, or was down). */
  unanswered: number;
  /** Attempts answered with a retryable "not yet" (409, 503, U, 9002, 1004). */
  busy: number;
  answer: Digest | null;
  ok: boolean;
  note: string;
}

export interface ReportedId {
  kind: ReturnType<typeof reportedIds>[number]['kind'];
  id: string;
  scenario: Scenario;
}

export interface RoundResult {
  records: StepRecord[];
  /** Scenarios whose every step answered as expected: their final state is checked. */
  completed: Scenario[];
  ids: ReportedId[];
  /** Where the kill landed: after which request (counting first attempts), and how long after it. */
  kill: { afterRequest: number; delayMs: number; happened: boolean } | null;
}

export interface RoundOptions {
  scenarios: Scenario[];
  kasir: KasirProcess;
  concurrency: number;
  kill: { afterRequest: number; delayMs: number } | null;
  retryBudgetMs: number;
}

export async function runRound(o: RoundOptions): Promise<RoundResult> {
  const result: RoundResult = { records: [], completed: [], ids: [], kill: o.kill ? { ...o.kill, happened: false } : null };
  let started = 0;
  let restart: Promise<void> | null = null;
  const onRequestStart = () => {
    started++;
    if (o.kill && !restart && started === o.kill.afterRequest) {
      // Dispatched on a timer, not awaited: requests keep flowing while the process dies.
      restart = sleep(o.kill.delayMs).then(() => {
        result.kill!.happened = true;
        return o.kasir.killAndRestart();
      });
      restart.catch(() => {}); // awaited below; the error is reported there
    }
  };

  const runStep = async (s: Scenario, step: Step): Promise<StepRecord> => {
    const rec: StepRecord = { scenario: s, step, attempts: 0, unanswered: 0, busy: 0, answer: null, ok: false, note: '' };
    let deadline: number | null = null;
    let a: Answer;
    onRequestStart();
    for (;;) {
      rec.attempts++;
      a = await step.send();
      for (const r of reportedIds(s.dialect, a)) result.ids.push({ ...r, scenario: s });
      if (!retryable(s.dialect, a) || (deadline !== null && Date.now() >= deadline)) break;
      if (a.answered) {
        rec.busy++;
        deadline ??= Date.now() + o.retryBudgetMs;
        await sleep(retryDelayMs(a));
      } else {
        rec.unanswered++;
        // Wait for the restart (a request that failed for another reason finds Kasir up already);
        // the budget starts once Kasir is back, as a client's backoff would outlast a restart.
        await o.kasir.ready();
        await sleep(50);
        deadline ??= Date.now() + o.retryBudgetMs;
      }
    }
    rec.answer = digest(s.dialect, a);
    rec.ok = matches(step.expect, rec.answer);
    if (!rec.ok && rec.attempts > 1 && step.doneOnRetry?.(a)) {
      rec.ok = true;
      rec.note = 'retry reported the work as already done';
    }
    if (!rec.ok && retryable(s.dialect, a)) rec.note = `still not finished after ${o.retryBudgetMs} ms of retries`;
    if (rec.ok) step.learn?.(a);
    return rec;
  };

  const runScenario = async (s: Scenario) => {
    for (let i = 0; i < s.steps.length; i++) {
      const rec = await runStep(s, s.steps[i]);
      result.records.push(rec);
      if (!rec.ok) {
        // Later steps depend on this one (its ids, its state): they are not sent.
        for (const step of s.steps.slice(i + 1)) {
          result.records.push({ scenario: s, step, attempts: 0, unanswered: 0, busy: 0, answer: null, ok: false, note: 'not sent: an earlier step failed' });
        }
        return;
      }
    }
    result.completed.push(s);
  };

  const queue = [...o.scenarios];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) await runScenario(s);
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, queue.length) }, worker));
  // The round ends with Kasir up, whether or not the kill fell before the load ran out.
  if (restart) await restart;
  await o.kasir.ready();
  return result;
}
