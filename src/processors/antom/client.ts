// Signed calls to an Antom-compatible provider (docs/antom-api.md "Signatures"): every request signed
// with the account's private key, every answer's signature verified with the provider's public key
// before a byte of it is believed. What the transport alone can say is told apart here, because the
// core treats each differently: no answer in time (ProcessorTimeout), nothing reached the provider
// (UpstreamRefused), and everything else without a trustworthy answer (a plain Error: unknown).
import type { KeyObject } from 'node:crypto';
import type { ConnectorAccount } from '../../core/connectors/accounts.ts';
import { ProcessorTimeout, type OperationKind } from '../../core/processors/processor.ts';
import { cachedPrivateKey, cachedPublicKey, formatSignatureHeader, parseSignatureHeader, signedText, signRsa256Async, verifyRsa256 } from '../../dialects/antom/signature.ts';
import type { ConnectorDeps } from '../connector.ts';

export type AntomOp = 'pay' | 'cancel' | 'capture' | 'refund' | 'inquiryPayment' | 'inquiryRefund';

export interface AntomResult {
  resultCode: string;
  resultStatus: 'S' | 'F' | 'U';
  resultMessage: string;
}

/** A verified answer: the provider really said this. */
export interface AntomAnswer {
  result: AntomResult;
  body: Record<string, unknown>;
}

/**
 * The connection was refused: the request never reached the provider, so nothing exists there
 * because of it. Only an authorization may conclude "not available" from this (next route).
 */
export class UpstreamRefused extends Error {
  constructor(op: AntomOp) {
    super(`antom ${op}: connection refused`);
    this.name = 'UpstreamRefused';
  }
}

export interface AntomClient {
  call(op: AntomOp, kind: OperationKind, body: Record<string, unknown>): Promise<AntomAnswer>;
}

function header(h: Headers, name: string): string | undefined {
  return h.get(name) ?? undefined;
}

function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown; errors?: { code?: unknown }[] } })?.cause;
  if (!cause) return false;
  if (cause.code === 'ECONNREFUSED') return true;
  // Happy eyeballs (several addresses tried): refused only if every attempt was.
  return Array.isArray(cause.errors) && cause.errors.length > 0 && cause.errors.every((e) => e?.code === 'ECONNREFUSED');
}

function timedOut(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function parseAnswer(text: string): AntomAnswer | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const r = (body as { result?: Partial<AntomResult> }).result;
  if (!r || typeof r.resultCode !== 'string' || !['S', 'F', 'U'].includes(r.resultStatus as string)) return null;
  return { result: { resultCode: r.resultCode, resultStatus: r.resultStatus!, resultMessage: typeof r.resultMessage === 'string' ? r.resultMessage : r.resultCode }, body: body as Record<string, unknown> };
}

export function createAntomClient(account: ConnectorAccount, deps: ConnectorDeps): AntomClient {
  const clientId = account.settings.clientId;
  // Parsed once per account (the caches are shared with the dialect): the settings never change.
  const signingKey: KeyObject = cachedPrivateKey(account.secret);
  const providerKey: KeyObject = cachedPublicKey(account.settings.providerPublicKey);
  const base = account.baseUrl.replace(/\/+$/, '');

  return {
    async call(op, kind, body) {
      const url = `${base}/ams/api/v1/payments/${op}`;
      // The signature covers the path exactly as sent, including any prefix in the account's baseUrl.
      const path = new URL(url).pathname;
      const raw = JSON.stringify(body);
      const requestTime = String(deps.clock.now().getTime());
      const signature = await signRsa256Async(signingKey, signedText('POST', path, clientId, requestTime, raw));
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=UTF-8', 'client-id': clientId, 'request-time': requestTime, signature: formatSignatureHeader(signature) },
          body: raw,
          redirect: 'manual',
          // Covers the whole exchange, the body's last byte included.
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
        text = await res.text();
      } catch (err) {
        if (timedOut(err)) throw new ProcessorTimeout(kind);
        if (refused(err)) throw new UpstreamRefused(op);
        throw new Error(`antom ${op}: ${(err as Error).message}`);
      }
      if (res.status !== 200) throw new Error(`antom ${op}: HTTP ${res.status}`);
      const sig = parseSignatureHeader(header(res.headers, 'signature'));
      const responseTime = header(res.headers, 'response-time');
      const echoed = header(res.headers, 'client-id');
      // Unsigned or wrongly signed: someone else may be answering. Never trusted, whatever it says.
      if (!sig?.signature || responseTime === undefined || echoed !== clientId || !verifyRsa256(providerKey, signedText('POST', path, clientId, responseTime, text), sig.signature)) {
        throw new Error(`antom ${op}: the response signature is missing or does not verify`);
      }
      const answer = parseAnswer(text);
      if (!answer) throw new Error(`antom ${op}: the response is not an Antom result`);
      return answer;
    },
  };
}
