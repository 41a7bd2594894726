// The Antom dialect's registration (src/dialects/registry.ts); it mounts its own prefixes (plugin.ts).
import { defineDialect } from '../dialect.ts';
import { antomCredentials } from './credentials.ts';
import { ANTOM_ERRORS } from './error-map.ts';
import { antomNotificationFormat } from './notify.ts';
import { antomDialect } from './plugin.ts';

export const antom = defineDialect({
  name: 'antom',
  plugin: antomDialect,
  options: (ctx) => ({ core: ctx.core, credentials: ctx.credentials, publicUrl: ctx.publicUrl, limiter: ctx.limiter }),
  errors: ANTOM_ERRORS,
  notifications: antomNotificationFormat,
  credentials: antomCredentials,
});
