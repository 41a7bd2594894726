// Slow clients cannot hold a connection: the whole request (body included) must arrive within the
// request timeout and the headers within the headers timeout; then the server answers 408 and closes.
// A second app on the harness's dependencies runs with short timeouts; the clients are raw sockets
// on loopback that send one byte at a time and give up after a fixed bound.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { buildApp } from '../src/app.ts';
import { loadConfig, serverTimeouts, SERVER_TIMEOUTS } from '../src/config.ts';
import { startKasir } from './helpers/harness.ts';

const h = await startKasir();
const short = await buildApp({ ...h.deps, timeouts: { requestMs: 1_000, headersMs: 600, keepAliveMs: 1_000, connectionMs: 10_000 } });
const address = new URL(await short.listen({ port: 0, host: '127.0.0.1' }));
after(() => short.close());

/** The client gives up (and the test fails) if the server has not closed the socket by then. */
const BOUND_MS = 15_000;

interface Trickle {
  closedByServer: boolean;
  answer: string;
  bytesSent: number;
}

/** Sends `head` at once, then `rest` one byte every 100 ms until the server closes the socket. */
function trickle(head: string, rest: string): Promise<Trickle> {
  return new Promise((resolve) => {
    const socket = connect(Number(address.port), address.hostname);
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const bound = setTimeout(() => finish(false), BOUND_MS);
    const finish = (closedByServer: boolean) => {
      clearInterval(timer);
      clearTimeout(bound);
      socket.destroy();
      resolve({ closedByServer, answer, bytesSent: sent });
    };
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => {}); // a reset after the server's close still counts as closed
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < rest.length && socket.writable) socket.write(rest[sent++]);
      }, 100);
    });
  });
}

test('a body sent one byte at a time is cut off with 408 after the request timeout', async () => {
  const body = JSON.stringify({ amount: '1.00', currency: 'THB', description: 'x'.repeat(200) });
  const head = `POST /api/v1/payments HTTP/1.1\r\nHost: ${address.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const r = await trickle(head, body);
  assert.ok(r.closedByServer, 'the server closed the connection');
  assert.ok(r.bytesSent < body.length, `the body never completed (${r.bytesSent} of ${body.length} bytes)`);
  assert.match(r.answer, /^HTTP\/1\.1 408 /);
});

test('headers sent one byte at a time are cut off after the headers timeout', async () => {
  const headers = `X-Slow: ${'y'.repeat(300)}\r\n\r\n`;
  const r = await trickle(`GET /health HTTP/1.1\r\nHost: ${address.host}\r\n`, headers);
  assert.ok(r.closedByServer, 'the server closed the connection');
  assert.ok(r.bytesSent < headers.length, 'the headers never completed');
  assert.match(r.answer, /^HTTP\/1\.1 408 /);
});

test('a prompt request on the same server is answered', async () => {
  const res = await fetch(new URL('/health', address));
  assert.equal(res.status, 200);
});

test('the settings reach the server; defaults bound every request', async () => {
  assert.deepEqual(serverTimeouts(loadConfig({})), SERVER_TIMEOUTS);
  const t = serverTimeouts(loadConfig({ KASIR_REQUEST_TIMEOUT_MS: '20000', KASIR_HEADERS_TIMEOUT_MS: '5000', KASIR_KEEP_ALIVE_TIMEOUT_MS: '3000', KASIR_CONNECTION_TIMEOUT_MS: '90000' }));
  assert.deepEqual(t, { requestMs: 20_000, headersMs: 5_000, keepAliveMs: 3_000, connectionMs: 90_000 });
  assert.throws(() => loadConfig({ KASIR_REQUEST_TIMEOUT_MS: '0' }), /KASIR_REQUEST_TIMEOUT_MS/);
  const app = await buildApp({ ...h.deps, timeouts: t });
  try {
    assert.equal(app.server.requestTimeout, 20_000);
    assert.equal(app.server.headersTimeout, 5_000);
    assert.equal(app.server.keepAliveTimeout, 3_000);
    assert.equal(app.server.timeout, 90_000);
  } finally {
    await app.close();
  }
  // Without settings (tests, benchmarks), the defaults: never unbounded.
  const plain = await buildApp(h.deps);
  try {
    assert.equal(plain.server.requestTimeout, SERVER_TIMEOUTS.requestMs);
    assert.equal(plain.server.headersTimeout, SERVER_TIMEOUTS.headersMs);
  } finally {
    await plain.close();
  }
});
