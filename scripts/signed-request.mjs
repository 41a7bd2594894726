#!/usr/bin/env node
// Sends one signed request to Kasir's native API (its HMAC authentication, docs/native-api.md) and prints the answer.
//   KASIR_API_KEY=kn_… KASIR_API_SECRET=ks_… node scripts/signed-request.mjs METHOD PATH [BODY]
// KASIR_URL defaults to http://127.0.0.1:8080; IDEMPOTENCY_KEY, when set, is sent as Idempotency-Key.
// Prints the JSON body on stdout and "HTTP <status>" on stderr; exits 1 unless the status is 2xx.
// Plain JavaScript on purpose: any Node with fetch (18+) runs it, no dependencies.
import { createHmac } from 'node:crypto';

const [method, path, body = ''] = process.argv.slice(2);
const { KASIR_API_KEY: apiKey, KASIR_API_SECRET: apiSecret, KASIR_URL: base = 'http://127.0.0.1:8080', IDEMPOTENCY_KEY: idem } = process.env;
if (!method || !path?.startsWith('/')) {
  console.error('usage: KASIR_API_KEY=… KASIR_API_SECRET=… node scripts/signed-request.mjs METHOD /api/v1/… [JSON-BODY]');
  process.exit(2);
}
if (!apiKey || !apiSecret) {
  console.error('signed-request: set KASIR_API_KEY and KASIR_API_SECRET (printed at first start, or `npx kasir merchant create --name Shop --json`)');
  process.exit(2);
}

// X-Signature = "sha256=" + hex HMAC-SHA256(secret, "<X-Timestamp>.<exact body bytes>")
const timestamp = String(Date.now());
const signature = 'sha256=' + createHmac('sha256', apiSecret).update(`${timestamp}.${body}`).digest('hex');
const headers = { 'X-API-Key': apiKey, 'X-Timestamp': timestamp, 'X-Signature': signature };
if (body) headers['Content-Type'] = 'application/json';
if (idem) headers['Idempotency-Key'] = idem;

const res = await fetch(base.replace(/\/+$/, '') + path, { method: method.toUpperCase(), headers, body: body || undefined });
const text = await res.text();
let shown = text;
try {
  shown = JSON.stringify(JSON.parse(text), null, 2);
} catch {
  // not JSON: print as received
}
console.log(shown);
console.error(`HTTP ${res.status}`);
process.exitCode = res.ok ? 0 : 1;
