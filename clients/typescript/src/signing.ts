// Request signing, as Kasir's native authentication checks it (src/dialects/native/auth.ts):
// X-Timestamp in epoch milliseconds and X-Signature `v2=<hex HMAC-SHA256(secret,
// "<ts>.<METHOD>.<path with query>.<raw body>")>` — v2 binds the method and path, so two requests
// with the same body and millisecond can never be mistaken for a replay of each other. `sha256=`
// (timestamp and body only) is kept for a proxy that rewrites paths. Web Crypto, so the client runs
// wherever fetch does (Node, Deno, Bun, edge workers).
export type SignatureScheme = 'v2' | 'sha256';

const encoder = new TextEncoder();

export class Signer {
  private readonly key: Promise<CryptoKey>;
  private readonly scheme: SignatureScheme;
  private last = 0;

  constructor(secret: string, scheme: SignatureScheme) {
    this.key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    this.scheme = scheme;
  }

  /**
   * A fresh timestamp for every request, strictly increasing within this client: Kasir accepts each
   * (key, timestamp, signature) once, so a retry must never reuse its predecessor's.
   */
  private timestamp(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return String(this.last);
  }

  async sign(method: string, pathWithQuery: string, rawBody: string): Promise<{ timestamp: string; signature: string }> {
    const timestamp = this.timestamp();
    const text = this.scheme === 'v2' ? `${timestamp}.${method.toUpperCase()}.${pathWithQuery}.${rawBody}` : `${timestamp}.${rawBody}`;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, encoder.encode(text)));
    const hex = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
    return { timestamp, signature: `${this.scheme}=${hex}` };
  }
}
