// The NICEPAY dialect's registration (src/dialects/registry.ts): `/nicepay`, seed 003.
import { defineDialect } from '../dialect.ts';
import { nicepayCredentials } from './credentials.ts';
import { NICEPAY_ERRORS } from './error-map.ts';
import { nicepayNotificationFormat } from './notify.ts';
import { nicepayDialect } from './plugin.ts';

export const nicepay = defineDialect({
  name: 'nicepay',
  plugin: nicepayDialect,
  options: (ctx) => ({ prefix: '/nicepay', core: ctx.core, credentials: ctx.credentials, limiter: ctx.limiter }),
  errors: NICEPAY_ERRORS,
  notifications: nicepayNotificationFormat,
  credentials: nicepayCredentials,
});
