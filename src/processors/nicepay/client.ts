// HTTP to a NICEPAY "direct v2" upstream (NICEPAY itself, or another Kasir's NICEPAY dialect): JSON
// POSTs, every field a string, an answer that is HTTP 200 JSON with resultCd. Anything else is no
// answer at all, and what the call did upstream is unknown until an inquiry says (never guessed).
import { ProcessorTimeout, ProcessorUnavailable, type OperationKind } from '../../core/processors/processor.ts';
import { parseNicepayBody } from '../../dialects/nicepay/transport.ts';

export type Endpoint = 'registration' | 'inquiry' | 'cancel';

/** The upstream's fields, all strings (null and absent alike are absent). */
export type Answer = Record<string, string>;

export interface CallOptions {
  timeoutMs: number;
  /** Reported in ProcessorTimeout: the operation this call serves. */
  kind: OperationKind;
  /**
   * The request provably never left (connection refused, no such host): for a registration that
   * means nothing exists upstream, so the submission may go to the next route.
   */
  unavailableIfNotSent: boolean;
}

/** Codes that mean no byte of the request reached the upstream. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export function endpointUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/nicepay/direct/v2/${path}`;
}

/** The system error code under fetch's "fetch failed" (undici wraps it, sometimes in an AggregateError). */
function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; errors?: { code?: unknown }[] } })?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function callNicepay(baseUrl: string, endpoint: Endpoint, body: Record<string, string>, o: CallOptions): Promise<Answer> {
  const url = endpointUrl(baseUrl, endpoint);
  const signal = AbortSignal.timeout(o.timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
      // A redirect is no NICEPAY answer; following it could send the request somewhere else.
      redirect: 'error',
    });
    status = res.status;
    text = await res.text(); // under the same deadline: a body that never ends is a timeout too
  } catch (err) {
    if (signal.aborted) throw new ProcessorTimeout(o.kind);
    const code = causeCode(err);
    if (o.unavailableIfNotSent && code && NOT_SENT.has(code)) {
      throw new ProcessorUnavailable(`NICEPAY ${endpoint} could not be sent (${code})`);
    }
    throw new Error(`NICEPAY ${endpoint} failed: ${code ?? (err as Error).message}`);
  }
  // NICEPAY answers every request with 200; clients treat anything else as a transport failure.
  if (status !== 200) throw new Error(`NICEPAY ${endpoint} answered HTTP ${status}`);
  let answer: Answer;
  try {
    answer = text.trimStart().startsWith('{') ? parseNicepayBody('application/json', Buffer.from(text)) : {};
  } catch {
    answer = {};
  }
  if (!/^\d{4}$/.test(answer.resultCd ?? '')) throw new Error(`NICEPAY ${endpoint} answered without a resultCd`);
  return answer;
}
