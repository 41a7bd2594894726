// What a dialect is to the rest of Kasir: one descriptor per dialect folder (`<dialect>/dialect.ts`),
// listed once in registry.ts. app.ts mounts its routes, runtime.ts wires its notification format and
// credential provisioning into the core, and its error map renders every core code (src/core/errors.ts).
import type { FastifyInstance, FastifyPluginOptions } from 'fastify';
import type { CoreDeps } from '../core/deps.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { CredentialCache } from '../core/merchants/credential-cache.ts';
import type { CredentialProvisioner, MerchantDeps } from '../core/merchants/merchants.ts';
import type { NotificationFormat } from '../core/notifications/format.ts';
import type { RateLimiter } from '../http/rate-limit.ts';

/** What the app hands every dialect's options builder. */
export interface DialectContext {
  core: CoreDeps;
  merchants: MerchantDeps;
  credentials: CredentialCache;
  /** Base URL buyers reach Kasir at (checkout pages). */
  publicUrl: () => string;
  /** Shared by every dialect: a merchant's limit counts all its requests. */
  limiter: RateLimiter;
}

export interface Dialect<Name extends string = string, Given = never, Issued = unknown> {
  /** The dialect's name: its credentials' `dialect`, its notification format, its key in merchant creation. */
  readonly name: Name;
  /** Registers the dialect's Fastify plugin with the options it builds from the app's context. */
  mount(app: FastifyInstance, ctx: DialectContext): Promise<void>;
  /** Every core error code in this dialect's wire format. */
  readonly errors: Readonly<Record<ErrorCode, unknown>>;
  /** How its notifications are built, acknowledged and retried. */
  readonly notifications: NotificationFormat;
  /** The credentials a new merchant gets for this dialect (and what the operator may give for them). */
  readonly credentials: CredentialProvisioner<Given, Issued>;
}

export function defineDialect<Name extends string, Opts extends FastifyPluginOptions, Given, Issued>(d: {
  name: Name;
  plugin: (app: FastifyInstance, opts: Opts) => Promise<void>;
  /** The plugin's options, `prefix` included. */
  options: (ctx: DialectContext) => Opts & { prefix?: string };
  errors: Readonly<Record<ErrorCode, unknown>>;
  notifications: NotificationFormat;
  credentials: CredentialProvisioner<Given, Issued>;
}): Dialect<Name, Given, Issued> {
  const { plugin, options, ...rest } = d;
  return {
    ...rest,
    async mount(app, ctx) {
      await app.register(plugin, options(ctx));
    },
  };
}
