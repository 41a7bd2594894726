// The dialect registry (src/dialects/registry.ts): every registered dialect maps every core error
// code (the types already demand it; this checks the maps as they are at run time), and the
// registry's notification formats and credential provisioning are those of its dialects, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, KasirError, type ErrorCode } from '../src/core/errors.ts';
import { ANTOM_ERRORS } from '../src/dialects/antom/error-map.ts';
import { renderError as renderAntom } from '../src/dialects/antom/render.ts';
import { NATIVE_ERRORS } from '../src/dialects/native/error-map.ts';
import { renderError as renderNative } from '../src/dialects/native/render.ts';
import { credentialProvisioners, DIALECTS, notificationFormats } from '../src/dialects/registry.ts';

const CODES = Object.keys(ERRORS).sort() as ErrorCode[];

for (const dialect of DIALECTS) {
  test(`${dialect.name}: the error map has exactly the core codes, each mapped`, () => {
    assert.deepEqual(Object.keys(dialect.errors).sort(), CODES);
    for (const code of CODES) assert.notEqual(dialect.errors[code], undefined, `${dialect.name} ${code}`);
  });
}

test('dialects are registered once each, and the registry hands out their own formats and provisioning', () => {
  const names = DIALECTS.map((d) => d.name);
  assert.deepEqual(names, ['native', 'antom', 'nicepay']);
  const formats = notificationFormats();
  const provisioners = credentialProvisioners();
  assert.deepEqual(Object.keys(formats), names);
  assert.deepEqual(Object.keys(provisioners), names);
  for (const d of DIALECTS) {
    assert.equal(formats[d.name], d.notifications);
    assert.equal(provisioners[d.name], d.credentials);
  }
});

test('native and Antom render every core code through their maps', () => {
  for (const code of CODES) {
    const native = renderNative(new KasirError(code));
    assert.equal(native.status, NATIVE_ERRORS[code].http, code);
    assert.equal((native.body as { error: { code: string } }).error.code, NATIVE_ERRORS[code].code, code);
    const { result } = renderAntom(new KasirError(code));
    assert.deepEqual([result.resultCode, result.resultStatus], [ANTOM_ERRORS[code].resultCode, ANTOM_ERRORS[code].resultStatus], code);
  }
});
