// The native dialect's registration (src/dialects/registry.ts): `/api/v1`, seed 002.
import { defineDialect } from '../dialect.ts';
import { ReplayGuard } from './auth.ts';
import { nativeCredentials } from './credentials.ts';
import { NATIVE_ERRORS } from './error-map.ts';
import { nativeNotificationFormat } from './notify.ts';
import { nativeDialect } from './plugin.ts';

export const native = defineDialect({
  name: 'native',
  plugin: nativeDialect,
  options: (ctx) => ({
    prefix: '/api/v1',
    core: ctx.core,
    merchants: ctx.merchants,
    credentials: ctx.credentials,
    replays: new ReplayGuard(ctx.core),
    limiter: ctx.limiter,
  }),
  errors: NATIVE_ERRORS,
  notifications: nativeNotificationFormat,
  credentials: nativeCredentials,
});
