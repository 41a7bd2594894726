// The `kasir` command. Merchant, key and contract commands are thin clients of a running server's
// admin API (/admin/v1), so they work the same against a local or a remote Kasir and never touch
// its database; `serve` and `migrate` run locally with the server's own configuration.
// Only Node built-ins and fetch here: the CLI must start without the server's dependencies loaded.
// Connector and route commands are in cli/connectors.ts; payments in cli/payments.ts; listen and
// trigger (acting as a merchant through its native API) in cli/listen.ts and cli/trigger.ts;
// per-command help in cli/help.ts; the admin API client in cli/client.ts.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  api, apiInFlags, booleanOption, CliError, DEFAULT_URL, integerOption, printJson, seg, UsageError, type Command, type Ctx, type Io,
} from './cli/client.ts';
import { CONNECTOR_COMMANDS, CONNECTOR_USAGE } from './cli/connectors.ts';
import { helpFor } from './cli/help.ts';
import { LISTEN_COMMANDS } from './cli/listen.ts';
import { PAYMENT_COMMANDS } from './cli/payments.ts';
import { TRIGGER_COMMANDS } from './cli/trigger.ts';
import { printVersion, VERSION_COMMANDS } from './cli/version.ts';
import { GLOBAL_OPTIONS, OPTIONS, type OptionName, type Opts } from './cli/options.ts';

export { adminToken } from './cli/client.ts';
export type { Io } from './cli/client.ts';

const stdio: Io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };

const PROFILES = ['native', 'antom', 'nicepay'];
const FAMILIES = ['card', 'wallet', 'thai_banking', 'indonesian', 'bank_transfer'];
const APIS = ['cancel', 'capture', 'refund', 'partialCancel'];
const MODES = ['test', 'live'];

export const USAGE = `Usage: kasir <command> [options]

Server (local, same settings as \`npm start\`: environment variables or --port, --host, --database-url,
--data-dir, --state-dir, --log-level, --public-url):
  kasir serve                      start the server
  kasir migrate                    open the configured database and apply pending migrations

Admin (talks to a running server):
  kasir merchant create --name NAME [--mode test|live] [--json] [--nicepay-imid IMID --nicepay-key KEY]
        (test, the default: payments reach only the sandbox; live: only the merchant's connectors)
  kasir merchant list [--json]
  kasir merchant show ID [--json]
  kasir merchant suspend ID
  kasir merchant activate ID
  kasir key rotate ID [--overlap SECONDS]
  kasir contract show ID
  kasir contract set ID --profile native|antom|nicepay
        [--family card|wallet|thai_banking|indonesian|bank_transfer]
        [--window-seconds N|none] [--before-success true|false] [--after-success true|false]
        [--partial true|false] [--api cancel|capture|refund|partialCancel=true|false]...
        [--rate-limit N|none]
  kasir balances ID                merchant ID's pending, available and reserved balances
  kasir payout ID --currency CUR --amount DECIMAL  (major units, e.g. 50.00)
  kasir journal ID PAYMENT_ID      the ledger journals of one of merchant ID's payments
  kasir deliveries ID PAYMENT_ID   the notifications of a payment and every delivery attempt
  kasir redeliver DELIVERY_ID      send a notification once more

${CONNECTOR_USAGE}

Payments (every merchant's):
  kasir payments list [--merchant ID] [--status S] [--dialect D] [--method M] [--connector ID]
        [--from ISO] [--to ISO] [--search ANY_ID] [--limit N] [--cursor C] [--json]
  kasir payments show PAYMENT_ID [--json]   timeline, operations, deliveries, ledger
  kasir payments cancel PAYMENT_ID [--amount DECIMAL] [--reason R]
  kasir payments capture PAYMENT_ID [--amount DECIMAL]
  kasir payments refund PAYMENT_ID [--amount DECIMAL] [--reason R]

Developing against Kasir (as a merchant: --merchant ID --api-key KEY --api-secret SECRET, or the
CLI's own test merchant when --merchant is left out):
  kasir listen --forward-to URL [--events LIST]   forward webhooks to a local app until Ctrl-C
  kasir trigger SCENARIO [--json]  a sandbox payment reaching payment.succeeded, payment.failed,
        payment.requires_action, payment.requires_capture, payment.canceled, payment.refunded
        or payment.outcome_unknown

  kasir COMMAND --help             one command's flags and an example
  kasir --version                  Kasir's and Node.js's versions

Admin options: --url URL (or KASIR_URL; default ${DEFAULT_URL}),
  --token TOKEN (or KASIR_ADMIN_TOKEN; default: the token in $KASIR_STATE_DIR/admin-token, ./.kasir/admin-token)
Exit codes: 0 ok, 1 the server refused or could not be reached, 2 bad command line.`;

const COMMANDS: Record<string, Command> = {
  'merchant create': { args: [], options: ['name', 'mode', 'nicepay-imid', 'nicepay-key'], run: merchantCreate },
  'merchant list': { args: [], options: [], run: merchantList },
  'merchant show': { args: ['ID'], options: [], run: (c) => printResult(c, api(c, 'GET', `/merchants/${seg(c.args[0])}`)) },
  'merchant suspend': { args: ['ID'], options: [], run: (c) => merchantStatus(c, 'suspend') },
  'merchant activate': { args: ['ID'], options: [], run: (c) => merchantStatus(c, 'activate') },
  'key rotate': { args: ['ID'], options: ['overlap'], run: keyRotate },
  'contract show': { args: ['ID'], options: [], run: (c) => printJson(c, api(c, 'GET', `/merchants/${seg(c.args[0])}/contract`)) },
  'balances': { args: ['ID'], options: [], run: (c) => printJson(c, api(c, 'GET', `/merchants/${seg(c.args[0])}/balances`)) },
  'payout': {
    args: ['ID'],
    options: ['currency', 'amount'],
    run: (c) => printJson(c, apiInFlags(c, { currency: '--currency', amount: '--amount' }, 'POST', `/merchants/${seg(c.args[0])}/payouts`, { currency: c.opts.currency, amount: c.opts.amount })),
  },
  'journal': { args: ['ID', 'PAYMENT_ID'], options: [], run: (c) => printJson(c, api(c, 'GET', `/merchants/${seg(c.args[0])}/payments/${seg(c.args[1])}/journal`)) },
  'deliveries': { args: ['ID', 'PAYMENT_ID'], options: [], run: (c) => printJson(c, api(c, 'GET', `/merchants/${seg(c.args[0])}/payments/${seg(c.args[1])}/deliveries`)) },
  'redeliver': { args: ['DELIVERY_ID'], options: [], run: (c) => printJson(c, api(c, 'POST', `/deliveries/${seg(c.args[0])}/redeliver`)) },
  'contract set': { args: ['ID'], options: ['profile', 'family', 'window-seconds', 'before-success', 'after-success', 'partial', 'api', 'rate-limit'], run: contractSet },
  ...CONNECTOR_COMMANDS,
  ...PAYMENT_COMMANDS,
  ...LISTEN_COMMANDS,
  ...TRIGGER_COMMANDS,
  ...VERSION_COMMANDS,
};

/** Every command's name, for help and its test. */
export const COMMAND_NAMES = ['serve', 'migrate', ...Object.keys(COMMANDS), 'help'];
export const commandOptions = (name: string) => COMMANDS[name]?.options ?? [];

/** Runs one command line; resolves to the process exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = stdio): Promise<number> {
  try {
    // serve and migrate take the server's flags, parsed by config.ts; only --help is theirs.
    if ((argv[0] === 'serve' || argv[0] === 'migrate') && (argv.includes('--help') || argv.includes('-h'))) return printHelp(argv[0], io);
    if (argv[0] === 'serve') return await serve(argv.slice(1));
    if (argv[0] === 'migrate') return await migrateCommand(argv.slice(1), env, io);
    const { values, positionals } = parseCommandLine(argv);
    if (values.version && positionals.length === 0) {
      printVersion({ opts: values, io });
      return 0;
    }
    if (positionals[0] === 'help' && (positionals.length > 1 || values.help)) return printHelp(positionals.slice(1).join(' ') || 'help', io);
    if (positionals.length === 0 || positionals[0] === 'help') {
      io.out(USAGE);
      return 0;
    }
    // Commands are one word (`balances`) or two (`merchant create`).
    const twoWords = positionals.slice(0, 2).join(' ');
    const [name, args] = COMMANDS[twoWords] ? [twoWords, positionals.slice(2)] : [positionals[0], positionals.slice(1)];
    if (values.help) return printHelp(COMMANDS[name] ? name : positionals[0], io);
    const command = COMMANDS[name];
    if (!command) {
      const subcommands = Object.keys(COMMANDS).filter((k) => k.startsWith(positionals[0] + ' ')).map((k) => k.split(' ')[1]);
      throw new UsageError(subcommands.length ? `kasir ${positionals[0]} needs one of: ${subcommands.join(', ')}` : `unknown command "${twoWords}"`);
    }
    checkCommandLine(name, command, values, args);
    await command.run({ opts: values, args, env, io });
    return 0;
  } catch (err) {
    return report(err, io);
  }
}

/** One command's help, or a group's (`kasir merchant --help`); an unknown name is a usage error. */
function printHelp(name: string, io: Io): number {
  const text = helpFor(name);
  if (!text) throw new UsageError(`no command "${name}"`);
  io.out(text);
  return 0;
}

function parseCommandLine(argv: string[]): { values: Opts; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as { values: Opts; positionals: string[] };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function checkCommandLine(name: string, command: Command, values: Opts, args: string[]): void {
  if (args.length !== command.args.length) {
    throw new UsageError(`${name} takes ${command.args.length ? command.args.join(' ') : 'no arguments'}${args.length ? `, got: ${args.join(' ')}` : ''}`);
  }
  for (const key of Object.keys(values)) {
    if (!GLOBAL_OPTIONS.includes(key) && !command.options.includes(key as OptionName)) {
      throw new UsageError(`--${key} does not apply to ${name}`);
    }
  }
}

function report(err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.err(`kasir: ${err.message}\nRun \`kasir --help\` or \`kasir COMMAND --help\` for usage.`);
    return 2;
  }
  if (err instanceof CliError) {
    io.err(`kasir: ${err.message}`);
    return 1;
  }
  io.err(`kasir: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
}

// ---- output ----

async function printResult(c: Ctx, data: Promise<any>): Promise<void> {
  const d = await data;
  if (c.opts.json) return c.io.out(JSON.stringify(d, null, 2));
  c.io.out(merchantLine(d));
  for (const k of d.keys ?? []) c.io.out(`  key ${k.dialect.padEnd(8)} ${k.keyId}${k.expiresAt ? `  expires ${k.expiresAt}` : ''}`);
  if (d.contract) c.io.out(`  contract overrides: ${JSON.stringify(d.contract.overrides)}`);
}

const merchantLine = (m: { id: string; status: string; mode: string; name: string; createdAt: string }) =>
  `${m.id}  ${m.status.padEnd(9)}  ${m.mode.padEnd(4)}  ${m.createdAt}  ${m.name}`;

// ---- commands ----

async function merchantCreate(c: Ctx): Promise<void> {
  const { name, mode = 'test', 'nicepay-imid': iMid, 'nicepay-key': merchantKey } = c.opts;
  if (!name) throw new UsageError('kasir merchant create needs --name NAME');
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got ${mode}`);
  if (Boolean(iMid) !== Boolean(merchantKey)) throw new UsageError('--nicepay-imid and --nicepay-key go together');
  const d = await api(c, 'POST', '/merchants', { name, mode, ...(iMid ? { nicepay: { iMid, merchantKey } } : {}) });
  const created = {
    id: d.id,
    name: d.name,
    mode: d.mode,
    native: { apiKey: d.native.apiKey, apiSecret: d.native.apiSecret },
    antom: {
      clientId: d.antom.clientId,
      merchantPrivateKeyPkcs8: d.antom.merchantPrivateKeyPkcs8,
      merchantPrivateKeyPkcs1: d.antom.merchantPrivateKeyPkcs1,
      gatewayPublicKey: d.antom.gatewayPublicKey,
    },
    nicepay: { iMid: d.nicepay.iMid, merchantKey: d.nicepay.merchantKey },
  };
  if (c.opts.json) return c.io.out(JSON.stringify(created, null, 2));
  c.io.out(
    [
      `Merchant ${created.id} (${created.name}, ${created.mode} mode) created. Secrets are shown only now; use --json to get the Antom keys.`,
      `  native  X-API-Key    : ${created.native.apiKey}`,
      `  native  API secret   : ${created.native.apiSecret}`,
      `  antom   client-id    : ${created.antom.clientId}`,
      `  nicepay iMid         : ${created.nicepay.iMid}`,
      `  nicepay merchantKey  : ${created.nicepay.merchantKey}`,
    ].join('\n'),
  );
}

async function merchantList(c: Ctx): Promise<void> {
  const d = await api(c, 'GET', '/merchants');
  if (c.opts.json) return c.io.out(JSON.stringify(d.data, null, 2));
  if (d.data.length === 0) return c.io.out('No merchants yet: kasir merchant create --name NAME');
  for (const m of d.data) c.io.out(merchantLine(m));
}

async function merchantStatus(c: Ctx, action: 'suspend' | 'activate'): Promise<void> {
  const d = await api(c, 'POST', `/merchants/${seg(c.args[0])}/${action}`);
  c.io.out(c.opts.json ? JSON.stringify(d, null, 2) : merchantLine(d));
}

async function keyRotate(c: Ctx): Promise<void> {
  const overlap = c.opts.overlap === undefined ? undefined : integerOption('overlap', c.opts.overlap);
  const d = await api(c, 'POST', `/merchants/${seg(c.args[0])}/keys/native/rotate`, overlap === undefined ? {} : { overlapSeconds: overlap });
  if (c.opts.json) return c.io.out(JSON.stringify(d, null, 2));
  c.io.out(
    [
      'New native key (the secret is shown only now):',
      `  X-API-Key  : ${d.native.apiKey}`,
      `  API secret : ${d.native.apiSecret}`,
      `Previous keys stop working at ${d.previousKeysExpireAt}.`,
    ].join('\n'),
  );
}

async function contractSet(c: Ctx): Promise<void> {
  const patch = contractPatch(c.opts);
  const d = await api(c, 'PATCH', `/merchants/${seg(c.args[0])}/contract`, patch);
  c.io.out(JSON.stringify(d, null, 2));
}

/** The PATCH body for `contract set`: {<profile>: {cancel?: {<family>: rule}, apis?, rateLimitPerSecond?}}. */
export function contractPatch(o: Opts): Record<string, unknown> {
  if (!o.profile || !PROFILES.includes(o.profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}`);
  const override: Record<string, unknown> = {};
  const rule = cancelRule(o);
  if (rule) {
    if (!o.family || !FAMILIES.includes(o.family)) throw new UsageError(`cancel rules need --family, one of ${FAMILIES.join(', ')}`);
    override.cancel = { [o.family]: rule };
  } else if (o.family !== undefined) {
    throw new UsageError('--family needs a rule to set: --window-seconds, --before-success, --after-success or --partial');
  }
  if (o.api?.length) override.apis = Object.fromEntries(o.api.map(apiSwitch));
  if (o['rate-limit'] !== undefined) override.rateLimitPerSecond = o['rate-limit'] === 'none' ? null : integerOption('rate-limit', o['rate-limit'], 1);
  if (Object.keys(override).length === 0) throw new UsageError('nothing to set: give a cancel rule with --family, --api NAME=true|false or --rate-limit');
  return { [o.profile]: override };
}

function cancelRule(o: Opts): Record<string, unknown> | null {
  const rule: Record<string, unknown> = {};
  if (o['window-seconds'] !== undefined) rule.windowSeconds = o['window-seconds'] === 'none' ? null : integerOption('window-seconds', o['window-seconds']);
  if (o['before-success'] !== undefined) rule.beforeSuccess = booleanOption('before-success', o['before-success']);
  if (o['after-success'] !== undefined) rule.afterSuccess = booleanOption('after-success', o['after-success']);
  if (o.partial !== undefined) rule.partial = booleanOption('partial', o.partial);
  return Object.keys(rule).length ? rule : null;
}

function apiSwitch(text: string): [string, boolean] {
  const [name, value, ...rest] = text.split('=');
  if (!APIS.includes(name) || value === undefined || rest.length) throw new UsageError(`--api takes NAME=true|false with NAME one of ${APIS.join(', ')}; got ${text}`);
  return [name, booleanOption('api', value)];
}

// ---- local commands ----

/** `kasir serve [server flags]` is `node src/main.ts [server flags]`: main.ts reads process.argv itself. */
async function serve(flags: string[]): Promise<number> {
  process.argv = [process.argv[0], fileURLToPath(new URL('./main.ts', import.meta.url)), ...flags];
  await import('./main.ts');
  return 0;
}

/** Opens the configured database (PostgreSQL or PGlite) and applies pending migrations. */
async function migrateCommand(flags: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { ConfigError, loadConfig } = await import('./config.ts');
  let config;
  try {
    config = loadConfig(env, flags);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { migrate, MigrationError } = await import('./db/migrate.ts');
  const { connectionProblem, openPostgres } = await import('./db/postgres.ts');
  const db = config.DATABASE_URL ? openPostgres({ url: config.DATABASE_URL }) : await (await import('./db/pglite.ts')).openPglite(config.KASIR_DATA_DIR);
  try {
    const applied = await migrate(db);
    const where = config.DATABASE_URL ? 'PostgreSQL' : `PGlite ${config.KASIR_DATA_DIR}`;
    io.out(applied.length ? `Applied to ${where}: ${applied.join(', ')}` : `${where} is up to date.`);
    return 0;
  } catch (err) {
    // An unreachable database or a role without DDL rights: one line, as the server says it.
    const line = err instanceof MigrationError ? err.message : config.DATABASE_URL ? connectionProblem(err, config.DATABASE_URL) : null;
    throw line === null ? err : new CliError(line);
  } finally {
    await db.close();
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2));
