// The native API's OpenAPI document: a valid 3.1 document whose every $ref resolves and every schema
// compiles (Ajv, JSON Schema 2020-12), naming exactly the native routes the app registers, and whose
// response schemas real answers validate against. Then the /docs page that renders it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPENAPI_PATH } from '../src/http/openapi.ts';
import { KasirClient } from '../clients/typescript/src/index.ts';
import { nativeMerchant } from './helpers/harness.ts';
import { CARDS } from './helpers/native.ts';
import { routeKey, startKasirWithRoutes } from './helpers/route-table.ts';

const { h, routes } = await startKasirWithRoutes();
const m = await nativeMerchant(h);
const fetched = await fetch(h.baseUrl + OPENAPI_PATH); // no credentials: the document is public
const doc: any = await fetched.json();

const ajv = new Ajv2020({ strict: true, allErrors: true });
// The document itself is not a JSON Schema; only its components are, under this id, so that the
// schemas' own `#/components/schemas/…` references resolve inside it.
ajv.addKeyword({ keyword: 'components' });
ajv.addSchema({ $id: 'kasir-openapi', components: { schemas: doc.components.schemas } });
const compiled = (pointer: string) => ajv.getSchema(`kasir-openapi${pointer}`) ?? assert.fail(`${pointer} does not compile`);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = () =>
  Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
    Object.entries(item).filter(([k]) => METHODS.includes(k)).map(([method, op]) => ({ method, path, op: op as any })),
  );

function resolve(pointer: string): any {
  assert.ok(pointer.startsWith('#/'), `only local references: ${pointer}`);
  return pointer.slice(2).split('/').reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

test('served publicly as an OpenAPI 3.1 document; every operation answers something', () => {
  assert.equal(fetched.status, 200);
  assert.match(fetched.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.ok(doc.info.title && doc.info.version);
  const ids = operations().map((o) => o.op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { method, path, op } of operations()) {
    const where = `${method.toUpperCase()} ${path}`;
    assert.ok(Object.keys(op.responses ?? {}).length > 0, `${where} has responses`);
    assert.ok(Object.keys(op.responses).some((s) => /^2/.test(s)), `${where} has a success answer`);
    assert.ok(op.responses['401'], `${where} documents the authentication failure`);
    const declared = (op.parameters ?? []).map((p: any) => (p.$ref ? resolve(p.$ref) : p)).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
    assert.deepEqual(declared, [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort(), `${where}: path parameters`);
    if (method === 'post') assert.ok(op.parameters.some((p: any) => p.$ref === '#/components/parameters/IdempotencyKey'), `${where} takes Idempotency-Key`);
  }
  const schemes = doc.components.securitySchemes;
  assert.deepEqual(Object.values(schemes).map((s: any) => [s.type, s.in, s.name]), [['apiKey', 'header', 'X-API-Key'], ['apiKey', 'header', 'X-Timestamp'], ['apiKey', 'header', 'X-Signature']]);
  assert.deepEqual(doc.security, [{ ApiKey: [], Timestamp: [], Signature: [] }]);
});

test('every $ref resolves and every schema compiles under JSON Schema 2020-12', () => {
  let refs = 0;
  const walk = (node: unknown, at: string) => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref') {
        refs++;
        assert.notEqual(resolve(v as string), undefined, `${at}: ${v} does not resolve`);
      } else walk(v, `${at}/${k}`);
    }
  };
  walk(doc, '#');
  assert.ok(refs > 50, `only ${refs} references`);
  for (const name of Object.keys(doc.components.schemas)) compiled(`#/components/schemas/${name}`);
  // Parameter and header schemas are inline: compile each on its own.
  const inline = [
    ...operations().flatMap(({ op }) => (op.parameters ?? []).filter((p: any) => p.schema).map((p: any) => p.schema)),
    ...Object.values(doc.components.parameters).map((p: any) => p.schema),
    ...Object.values(doc.components.headers).map((x: any) => x.schema),
  ];
  for (const schema of inline) ajv.compile(schema);
});

test('the document names exactly the native routes the app registers, and the client has a method for each', () => {
  const native = routes.filter((r) => r.prefix === '/api/v1');
  assert.ok(native.length >= 12, `native routes: ${native.map(routeKey)}`);
  const toDoc = (url: string) => url.replace(/:(\w+)/g, '{$1}');
  const registered = native.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${toDoc(r.url)}`).sort();
  const documented = operations().map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
  assert.deepEqual(documented, registered);
  // Fastify answers HEAD for every GET by itself: documented through its GET.
  for (const r of native.filter((x) => x.method === 'HEAD')) assert.ok(documented.includes(`GET ${toDoc(r.url)}`), routeKey(r));
  // The only other route under /api/v1 is the document itself.
  assert.deepEqual([...new Set(routes.filter((r) => r.prefix !== '/api/v1' && r.url.startsWith('/api/v1')).map((r) => r.url))], [OPENAPI_PATH]);
  for (const { op } of operations()) assert.equal(typeof (KasirClient.prototype as any)[op.operationId], 'function', `KasirClient.${op.operationId}`);
});

/** Validates a real answer against the documented schema of (method, path template, status). */
function expectDocumented(method: string, path: string, res: { status: number; body: any; text: string }) {
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${path} is documented`);
  const answer = op.responses[String(res.status)];
  assert.ok(answer, `${method} ${path} documents status ${res.status}: ${res.text}`);
  const schemaRef = (answer.$ref ? resolve(answer.$ref) : answer).content['application/json'].schema.$ref;
  const validate = compiled(schemaRef);
  assert.ok(validate(res.body), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text}`);
}

test('real answers validate against the documented response schemas', async () => {
  const created = await m.request('POST', '/api/v1/payments', { amount: '120.50', currency: 'THB', description: 'openapi', metadata: { order: '7' } });
  expectDocumented('POST', '/api/v1/payments', created);
  const id = created.body.data.id;
  expectDocumented('GET', '/api/v1/payments/{id}', await m.request('GET', `/api/v1/payments/${id}`));
  expectDocumented('GET', '/api/v1/payments', await m.request('GET', '/api/v1/payments?limit=2'));
  expectDocumented('POST', '/api/v1/payments/{id}/cancel', await m.request('POST', `/api/v1/payments/${id}/cancel`, { cancellationReason: 'abandoned' }));
  expectDocumented('GET', '/api/v1/payments/{id}/events', await m.request('GET', `/api/v1/payments/${id}/events`));

  const paid = await m.request('POST', '/api/v1/payments', { amount: '80.00', currency: 'THB', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } });
  expectDocumented('POST', '/api/v1/payments', paid);
  const refund = await m.request('POST', `/api/v1/payments/${paid.body.data.id}/refunds`, { amount: '30.00', reason: 'requested_by_customer' });
  assert.equal(refund.status, 201, refund.text);
  expectDocumented('POST', '/api/v1/payments/{id}/refunds', refund);
  const declined = await m.request('POST', '/api/v1/payments', { amount: '5.00', currency: 'THB', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.declined } } });
  expectDocumented('POST', '/api/v1/payments', declined);

  const endpoint = await m.request('POST', '/api/v1/webhook-endpoints', { url: 'https://example.test/hooks', events: ['payment.succeeded'] });
  expectDocumented('POST', '/api/v1/webhook-endpoints', endpoint);
  expectDocumented('GET', '/api/v1/webhook-endpoints', await m.request('GET', '/api/v1/webhook-endpoints'));
  expectDocumented('DELETE', '/api/v1/webhook-endpoints/{id}', await m.request('DELETE', `/api/v1/webhook-endpoints/${endpoint.body.data.id}`));

  // Errors: not found, a validation failure naming its field, an unsigned request, a closed payment.
  const missing = await m.request('GET', `/api/v1/payments/${randomUUID()}`);
  assert.equal(missing.status, 404);
  expectDocumented('GET', '/api/v1/payments/{id}', missing);
  const invalid = await m.request('POST', '/api/v1/payments', { amount: 'ten', currency: 'THB' });
  assert.equal(invalid.status, 400);
  expectDocumented('POST', '/api/v1/payments', invalid);
  const unsigned = await fetch(h.baseUrl + '/api/v1/payments');
  expectDocumented('GET', '/api/v1/payments', { status: unsigned.status, body: await unsigned.json(), text: '' });
  const closed = await m.request('POST', `/api/v1/payments/${id}/refunds`, {});
  assert.equal(closed.status, 400, closed.text);
  expectDocumented('POST', '/api/v1/payments/{id}/refunds', closed);
});

test('the documented webhook-endpoint body accepts and refuses exactly what the route does', async () => {
  // routes/webhook-endpoints.ts validates with its own copy of the schema: hold the two together.
  const validate = compiled('#/components/schemas/CreateWebhookEndpointBody');
  const bodies = [
    { url: 'https://example.test/a', events: ['payment.succeeded', 'refund.succeeded'] },
    { url: 'http://example.test/b', events: ['payment.canceled'] },
    { url: 'ftp://example.test/c', events: ['payment.canceled'] },
    { url: 'https://example.test/d', events: [] },
    { url: 'https://example.test/e', events: ['payment.exploded'] },
    { url: 'https://example.test/f', events: ['payment.failed', 'payment.failed'] },
    { url: 'https://x', events: ['payment.failed'] },
    { url: 'https://example.test/g', events: ['payment.failed'], extra: 1 },
    { events: ['payment.failed'] },
  ];
  for (const body of bodies) {
    const res = await m.request('POST', '/api/v1/webhook-endpoints', body);
    assert.equal(res.status === 201, validate(body), `${JSON.stringify(body)}: Kasir ${res.status}, document ${validate(body)}`);
  }
});

test('/docs renders every operation and schema in one page with no script and a strict CSP', async () => {
  const res = await fetch(h.baseUrl + '/docs');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe|script-src/);
  // The one inline stylesheet is allowed by its hash, so the page is styled under its own policy.
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? assert.fail('no stylesheet');
  assert.ok(csp.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`), csp);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\bsrc=|https?:\/\//i);
  for (const { method, path, op } of operations()) {
    assert.ok(html.includes(`id="${op.operationId}"`), op.operationId);
    assert.ok(html.includes(`<code>${path}</code>`), `${method} ${path}`);
  }
  for (const name of Object.keys(doc.components.schemas)) assert.ok(html.includes(`id="schema-${name}"`), name);
});
