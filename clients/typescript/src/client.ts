// KasirClient: one typed method per native route (their names are the OpenAPI operationIds), each
// request signed afresh, every POST carrying an Idempotency-Key. What may be retried is retried with
// the SAME key and a new signature: Kasir then replays the first answer, waits it out (409), or
// finishes the first attempt's work (503 OUTCOME_UNKNOWN, a lost connection) — never does it twice.
import { KasirError } from './errors.ts';
import { Signer, type SignatureScheme } from './signing.ts';
import type * as T from './types.ts';

export interface KasirClientOptions {
  /** Where Kasir listens, e.g. `https://pay.example.com` (the `/api/v1` paths are appended). */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** A fetch implementation (tests, proxies, instrumentation); the global fetch by default. */
  fetch?: typeof fetch;
  /** Retries after a network failure, 409, 429 or 5xx; default 3. */
  maxRetries?: number;
  /** First backoff delay, doubled per retry, when the answer gives no Retry-After; default 250 ms. */
  retryDelayMs?: number;
  /** Longest wait between attempts, Retry-After included; default 10 s. */
  maxRetryDelayMs?: number;
  /** `v2` (default) signs method and path too; `sha256` only the timestamp and body. */
  signatureScheme?: SignatureScheme;
}

export interface CallOptions {
  /** Reuse to make a later call a retry of an earlier one; a random UUID per call otherwise. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface KasirResponse<D> {
  status: number;
  data: D;
  requestId: string | undefined;
  /** True when Kasir answered with the stored answer of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** Answers worth another attempt: in flight (409), rate limited (429), unknown or failed (5xx). */
const retryable = (status: number) => status === 409 || status === 429 || status >= 500;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(timer), reject(signal!.reason));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class KasirClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly signer: Signer;
  private readonly fetchFn: typeof fetch;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(options: KasirClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.signer = new Signer(options.apiSecret, options.signatureScheme ?? 'v2');
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  }

  createPayment(params: T.CreatePaymentParams, options?: CallOptions): Promise<T.Payment> {
    return this.data('POST', '/payments', params, options);
  }
  getPayment(id: string, options?: CallOptions): Promise<T.Payment> {
    return this.data('GET', `/payments/${enc(id)}`, undefined, options);
  }
  listPayments(params: T.ListPaymentsParams = {}, options?: CallOptions): Promise<T.PaymentPage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    return this.data('GET', `/payments${qs ? `?${qs}` : ''}`, undefined, options);
  }
  confirmPayment(id: string, params?: T.ConfirmPaymentParams, options?: CallOptions): Promise<T.Payment> {
    return this.data('POST', `/payments/${enc(id)}/confirm`, params, options);
  }
  capturePayment(id: string, params?: T.CapturePaymentParams, options?: CallOptions): Promise<T.Payment> {
    return this.data('POST', `/payments/${enc(id)}/capture`, params, options);
  }
  cancelPayment(id: string, params?: T.CancelPaymentParams, options?: CallOptions): Promise<T.Payment> {
    return this.data('POST', `/payments/${enc(id)}/cancel`, params, options);
  }
  refundPayment(id: string, params?: T.RefundPaymentParams, options?: CallOptions): Promise<T.RefundWithPayment> {
    return this.data('POST', `/payments/${enc(id)}/refunds`, params, options);
  }
  listEvents(id: string, options?: CallOptions): Promise<T.EventList> {
    return this.data('GET', `/payments/${enc(id)}/events`, undefined, options);
  }
  /** Sandbox merchants only: act as the buyer. */
  sandboxPay(id: string, params: T.SandboxPayParams, options?: CallOptions): Promise<T.Payment> {
    return this.data('POST', `/sandbox/payments/${enc(id)}/pay`, params, options);
  }
  createWebhookEndpoint(params: T.CreateWebhookEndpointParams, options?: CallOptions): Promise<T.CreatedWebhookEndpoint> {
    return this.data('POST', '/webhook-endpoints', params, options);
  }
  listWebhookEndpoints(options?: CallOptions): Promise<T.WebhookEndpointList> {
    return this.data('GET', '/webhook-endpoints', undefined, options);
  }
  deleteWebhookEndpoint(id: string, options?: CallOptions): Promise<T.DeletedWebhookEndpoint> {
    return this.data('DELETE', `/webhook-endpoints/${enc(id)}`, undefined, options);
  }

  private async data<D>(method: Method, path: string, body: unknown, options?: CallOptions): Promise<D> {
    return (await this.request<D>(method, path, body, options)).data;
  }

  /**
   * One signed call under `/api/v1`, with retries. The status (201, or 202 when the processor's
   * outcome is still unknown), the request id and whether it was a replay are in the answer.
   */
  async request<D>(method: Method, path: string, body?: unknown, options: CallOptions = {}): Promise<KasirResponse<D>> {
    const target = `/api/v1${path}`;
    const raw = body === undefined ? '' : JSON.stringify(body);
    // Kasir reads Idempotency-Key on POST only; one key for every attempt of this call.
    const idempotencyKey = method === 'POST' ? (options.idempotencyKey ?? crypto.randomUUID()) : undefined;
    for (let attempt = 0; ; attempt++) {
      const { timestamp, signature } = await this.signer.sign(method, target, raw);
      const headers: Record<string, string> = { 'X-API-Key': this.apiKey, 'X-Timestamp': timestamp, 'X-Signature': signature };
      if (raw) headers['Content-Type'] = 'application/json';
      if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
      let res: Response;
      try {
        res = await this.fetchFn(this.baseUrl + target, { method, headers, body: raw || undefined, signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted) throw err; // the caller gave up: not ours to retry
        if (attempt < this.maxRetries) {
          await sleep(this.backoff(attempt, null), options.signal);
          continue;
        }
        throw new KasirError({ code: 'NETWORK_ERROR', message: `No answer from Kasir: ${(err as Error).message}`, status: 0, cause: err });
      }
      if (retryable(res.status) && attempt < this.maxRetries) {
        await res.body?.cancel();
        await sleep(this.backoff(attempt, res.headers.get('retry-after')), options.signal);
        continue;
      }
      return read<D>(res);
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
    const ms = seconds !== null ? seconds * 1000 : this.retryDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
    return Math.min(ms, this.maxRetryDelayMs);
  }
}

const enc = encodeURIComponent;

/** Kasir's envelope → the data, or a KasirError with the envelope's error. */
async function read<D>(res: Response): Promise<KasirResponse<D>> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const text = await res.text();
  let envelope: { success?: unknown; data?: unknown; error?: T.ErrorBody } | undefined;
  try {
    envelope = JSON.parse(text);
  } catch {
    envelope = undefined;
  }
  if (envelope?.success === true && res.ok) {
    return { status: res.status, data: envelope.data as D, requestId, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }
  if (envelope?.success === false && typeof envelope.error?.code === 'string') {
    const { code, message, details } = envelope.error;
    throw new KasirError({ code, message, status: res.status, details, requestId });
  }
  throw new KasirError({ code: 'INVALID_RESPONSE', message: `Not a Kasir answer (HTTP ${res.status}): ${text.slice(0, 200)}`, status: res.status, requestId });
}
