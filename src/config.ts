// One schema for every setting, read from the environment and command-line flags, parsed once at
// start and passed down. A bad value stops the process with a message naming the setting.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { literals } from './core/schema-helpers.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface to listen on' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; when unset, PGlite is used' })),
  KASIR_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'PGlite directory, or memory:// for in-memory' }),
  KASIR_STATE_DIR: Type.String({ minLength: 1, default: './.kasir', description: 'where generated secrets (admin token, encryption key) are kept' }),
  KASIR_LOG_LEVEL: literals(LOG_LEVELS, { default: 'info', description: 'log level' }),
  KASIR_ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'base64 of 32 random bytes; encrypts credentials at rest' })),
  KASIR_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24, description: 'bearer token of the admin API' })),
  KASIR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'base URL buyers reach (checkout pages)' })),
  KASIR_BODY_LIMIT: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536, description: 'largest accepted request body, bytes' }),
  KASIR_SANDBOX_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0, description: 'simulated processor latency' }),
  KASIR_EXPIRY_SWEEP_MS: Type.Integer({ minimum: 100, default: 5_000, description: 'how often unpaid payments are expired' }),
  KASIR_SETTLEMENT_DELAY_MS: Type.Integer({ minimum: 0, default: 86_400_000, description: 'how long captured funds stay pending before they become available' }),
  KASIR_RECONCILE_EVERY_MS: Type.Integer({ minimum: 100, default: 30_000, description: 'how often timed-out processor calls are reconciled' }),
  KASIR_PROCESSOR_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'how long a processor call may hold a payment before the reconciler may take it over' }),
  KASIR_IDEMPOTENCY_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000, description: 'how long a request holds its idempotency key before a retry may take it over and resume; keep it above KASIR_PROCESSOR_LEASE_MS' }),
  KASIR_ALLOW_PRIVATE_TARGETS: Type.Boolean({ default: false, description: 'deliver notifications to loopback/private addresses (off: SSRF protection)' }),
  KASIR_DEMO_MERCHANT: Type.Boolean({ default: true, description: 'create a demo merchant on first start' }),
});
export type Config = Static<typeof ConfigSchema>;

const FLAGS: Record<string, keyof Config> = {
  '--port': 'PORT',
  '--host': 'HOST',
  '--database-url': 'DATABASE_URL',
  '--data-dir': 'KASIR_DATA_DIR',
  '--state-dir': 'KASIR_STATE_DIR',
  '--log-level': 'KASIR_LOG_LEVEL',
  '--public-url': 'KASIR_PUBLIC_URL',
};

export class ConfigError extends Error {}

/** Environment first, flags override; numbers and booleans are converted, then validated. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const key = FLAGS[flag];
    if (!key) throw new ConfigError(`unknown flag ${flag}; known: ${Object.keys(FLAGS).join(', ')}`);
    raw[key] = inline ?? argv[++i];
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<string, unknown>;
  const error = Value.Errors(ConfigSchema, withDefaults).First();
  if (error) {
    const name = error.path.replace(/^\//, '');
    const desc = (ConfigSchema.properties as Record<string, { description?: string }>)[name]?.description ?? '';
    throw new ConfigError(`invalid setting ${name}=${JSON.stringify(raw[name])}: ${error.message} (${desc})`);
  }
  return withDefaults as Config;
}

export function describeSettings(): { name: string; default: unknown; description: string }[] {
  return Object.entries(ConfigSchema.properties).map(([name, s]) => ({
    name,
    default: (s as { default?: unknown }).default ?? '',
    description: (s as { description?: string }).description ?? '',
  }));
}
