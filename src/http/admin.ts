// The operator's admin API (`/admin/v1`, bearer admin token): merchants, keys and contracts; money
// (admin-money.ts); live merchants' connector accounts and routes (admin-connectors.ts).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { KasirError } from '../core/errors.ts';
import { effectiveContract } from '../core/contracts/defaults.ts';
import { ContractOverrideSchema, type ContractOverrides } from '../core/contracts/schema.ts';
import type { CredentialCache } from '../core/merchants/credential-cache.ts';
import { setAntomMerchantPublicKey } from '../dialects/antom/credentials.ts';
import { parsePublicKey } from '../dialects/antom/signature.ts';
import type { DialectProvisioners } from '../dialects/registry.ts';
import {
  createMerchant, getMerchant, listMerchants, rotateCredential, setMerchantContract, setMerchantStatus, MERCHANT_MODES,
  type Merchant, type ProvisioningDeps,
} from '../core/merchants/merchants.ts';
import { ok, renderError, type Rendered } from '../dialects/native/render.ts';
import { sendEnvelope } from '../dialects/native/route.ts';
import { rawBody } from './raw-body.ts';
import { parseJsonObject, validator } from './validate.ts';
import { fastifyErrorToKasir } from './fastify-errors.ts';
import { moneyAdminRoutes } from './admin-money.ts';
import { connectorAdminRoutes } from './admin-connectors.ts';
import { paymentAdminRoutes } from './admin-payments.ts';
import type { CoreDeps } from '../core/deps.ts';
import { literals } from '../core/schema-helpers.ts';

export interface AdminDeps {
  merchants: ProvisioningDeps<DialectProvisioners>;
  credentials: CredentialCache;
  adminToken: string;
  /** Kasir's public base URL (connector accounts' notifyUrl). */
  publicUrl: () => string;
  /** The payment core: the operator's payment search and actions (admin-payments.ts). */
  core: CoreDeps;
}

const CreateMerchantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    // test: the sandbox only; live: real providers through connector accounts. Fixed at creation.
    mode: Type.Optional(literals(MERCHANT_MODES)),
    nicepay: Type.Optional(Type.Object({ iMid: Type.String({ minLength: 10, maxLength: 10 }), merchantKey: Type.String({ minLength: 8, maxLength: 512 }) }, { additionalProperties: false })),
    antomPublicKey: Type.Optional(Type.String({ minLength: 100, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const AntomKeyBody = Type.Object({ publicKey: Type.String({ minLength: 100, maxLength: 4096 }) }, { additionalProperties: false });
const checkAntomKey = validator(AntomKeyBody);
const RotateBody = Type.Object({ overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })) }, { additionalProperties: false });
const ContractBody = Type.Object(
  { native: Type.Optional(ContractOverrideSchema), antom: Type.Optional(ContractOverrideSchema), nicepay: Type.Optional(ContractOverrideSchema) },
  { additionalProperties: false },
);
const checkCreate = validator(CreateMerchantBody);
const checkRotate = validator(RotateBody);
const checkContract = validator(ContractBody);

/**
 * A merchant's Antom public key, checked and stored as SPKI PEM. A private key pasted by mistake is
 * refused (and never stored or echoed): the credential's data column is not encrypted.
 */
function checkedPublicKey(text: string, field: string): string {
  try {
    return parsePublicKey(text).export({ type: 'spki', format: 'pem' }).toString();
  } catch (err) {
    throw new KasirError('INVALID_PARAMETER', `${field}: ${(err as Error).message}`, { field });
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function renderMerchant(m: Merchant) {
  return { id: m.id, name: m.name, status: m.status, mode: m.mode, createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() };
}

function contractView(m: Merchant) {
  const profiles = ['native', 'antom', 'nicepay'] as const;
  return { overrides: m.contract, effective: Object.fromEntries(profiles.map((p) => [p, effectiveContract(p, m.contract)])) };
}

/** Deep merge of contract overrides (PATCH): objects merge, everything else replaces. */
function mergeDeep(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && b && typeof b === 'object' ? mergeDeep(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export async function adminApi(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const expected = digest(deps.adminToken);
  const route = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, op: (req: FastifyRequest) => Promise<Rendered>) =>
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        let rendered: Rendered;
        try {
          const auth = req.headers.authorization ?? '';
          const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
          // Hash both sides so the comparison is constant-time whatever the lengths.
          if (!timingSafeEqual(digest(given), expected)) throw new KasirError('UNAUTHENTICATED', 'Invalid admin token');
          rendered = await op(req);
        } catch (err) {
          rendered = renderError(err);
        }
        return sendEnvelope(reply, rendered);
      },
    });
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;
  const changed = <T>(value: T): T => {
    deps.credentials.invalidate(); // suspension, rotation and contracts take effect on the next request
    return value;
  };

  route('POST', '/merchants', async (req) => {
    const body = checkCreate.check(parseJsonObject(rawBody(req.body), false));
    const antomPublicKey = body.antomPublicKey === undefined ? undefined : checkedPublicKey(body.antomPublicKey, 'antomPublicKey');
    const { merchant, ...credentials } = await createMerchant(deps.merchants, body.name, {
      nicepay: body.nicepay,
      antom: antomPublicKey === undefined ? undefined : { merchantPublicKey: antomPublicKey },
    }, body.mode ?? 'test');
    // One field per registered dialect, in the registry's order: native, antom, nicepay.
    return ok({ ...renderMerchant(merchant), ...credentials }, 201);
  });
  route('GET', '/merchants', async () => ok({ object: 'list', data: (await listMerchants(deps.merchants.db)).map(renderMerchant) }));
  route('GET', '/merchants/:id', async (req) => {
    const m = await getMerchant(deps.merchants.db, id(req));
    const { rows } = await deps.merchants.db.query<{ dialect: string; key_id: string; created_at: Date; expires_at: Date | null }>(
      'SELECT dialect, key_id, created_at, expires_at FROM credentials WHERE merchant_id = $1 ORDER BY created_at',
      [m.id],
    );
    const keys = rows.map((r) => ({ dialect: r.dialect, keyId: r.key_id, createdAt: new Date(r.created_at).toISOString(), expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null }));
    return ok({ ...renderMerchant(m), keys, contract: contractView(m) });
  });
  route('POST', '/merchants/:id/suspend', async (req) => ok(renderMerchant(changed(await setMerchantStatus(deps.merchants, id(req), 'suspended')))));
  route('POST', '/merchants/:id/activate', async (req) => ok(renderMerchant(changed(await setMerchantStatus(deps.merchants, id(req), 'active')))));
  route('POST', '/merchants/:id/keys/native/rotate', async (req) => {
    const body = checkRotate.check(parseJsonObject(rawBody(req.body), true));
    const { issued, previousKeysExpireAt } = changed(await rotateCredential(deps.merchants, id(req), 'native', body.overlapSeconds ?? 86_400));
    return ok({ native: { apiKey: issued.apiKey, apiSecret: issued.apiSecret }, previousKeysExpireAt: previousKeysExpireAt.toISOString() }, 201);
  });
  route('PUT', '/merchants/:id/keys/antom/public-key', async (req) => {
    const body = checkAntomKey.check(parseJsonObject(rawBody(req.body), false));
    const m = await getMerchant(deps.merchants.db, id(req));
    await setAntomMerchantPublicKey(deps.merchants, m.id, checkedPublicKey(body.publicKey, 'publicKey'));
    changed(null);
    return ok({ id: m.id, antom: { registered: true } });
  });
  route('GET', '/merchants/:id/contract', async (req) => ok(contractView(await getMerchant(deps.merchants.db, id(req)))));
  route('PUT', '/merchants/:id/contract', async (req) => {
    const body = checkContract.check(parseJsonObject(rawBody(req.body), false));
    return ok(contractView(changed(await setMerchantContract(deps.merchants, id(req), body as ContractOverrides))));
  });
  route('PATCH', '/merchants/:id/contract', async (req) => {
    const body = checkContract.check(parseJsonObject(rawBody(req.body), false));
    const current = await getMerchant(deps.merchants.db, id(req));
    const merged = mergeDeep(current.contract as Record<string, unknown>, body as Record<string, unknown>);
    checkContract.check(merged);
    return ok(contractView(changed(await setMerchantContract(deps.merchants, current.id, merged as ContractOverrides))));
  });
  moneyAdminRoutes(route, deps.merchants);
  connectorAdminRoutes(route, { merchants: deps.merchants, publicUrl: deps.publicUrl });
  paymentAdminRoutes(route, deps.core);
  app.setNotFoundHandler((_req, reply) => sendEnvelope(reply, renderError(new KasirError('NO_SUCH_API', 'No such API'))));
  app.setErrorHandler((err, _req, reply) => sendEnvelope(reply, renderError(fastifyErrorToKasir(err))));
}
