// Every dialect Kasir speaks, registered once. app.ts mounts them from this list and runtime.ts
// injects their notification formats and credential provisioning into the core, which names no
// dialect. Adding a dialect: a new folder with its descriptor (`<dialect>/dialect.ts`, see
// dialect.ts) and one line here.
import type { FastifyInstance } from 'fastify';
import type { NewMerchant } from '../core/merchants/merchants.ts';
import type { NotificationFormats } from '../core/notifications/format.ts';
import type { DialectContext } from './dialect.ts';
import { antom } from './antom/dialect.ts';
import { native } from './native/dialect.ts';
import { nicepay } from './nicepay/dialect.ts';

/** In this order a new merchant's credentials are issued and shown (admin API, CLI). */
export const DIALECTS = [native, antom, nicepay] as const;

type Registered = (typeof DIALECTS)[number];
export type DialectName = Registered['name'];
/** Each dialect's credential provisioning, by name: what ProvisioningDeps carries. */
export type DialectProvisioners = { readonly [D in Registered as D['name']]: D['credentials'] };
/** A new merchant with the credentials of every registered dialect. */
export type KasirMerchant = NewMerchant<DialectProvisioners>;

const byName = <T>(pick: (d: Registered) => T): Record<DialectName, T> =>
  Object.fromEntries(DIALECTS.map((d) => [d.name, pick(d)])) as Record<DialectName, T>;

/** Every dialect's notification format, by name (the outbox's `format`). */
export function notificationFormats(): NotificationFormats {
  return byName((d) => d.notifications);
}

export function credentialProvisioners(): DialectProvisioners {
  return byName((d) => d.credentials) as DialectProvisioners;
}

/** Registers every dialect's routes on the app. */
export async function mountDialects(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  for (const d of DIALECTS) await d.mount(app, ctx);
}
