// `kasir COMMAND --help` (and `kasir help COMMAND`): each command's usage, flags and an example.
// test/cli-help.test.ts checks that every command has an entry naming each flag it accepts.
import { SCENARIO_LIST } from './trigger.ts';

export interface Help {
  usage: string;
  about: string;
  flags?: [string, string][];
  example: string;
}

const ID = (what = 'merchant'): [string, string] => ['ID', `the ${what}'s id`];
const MERCHANT_KEY: [string, string][] = [
  ['--merchant ID', "act as this merchant (default: the CLI's own test merchant, created once and kept in $KASIR_STATE_DIR/cli-sandbox-merchant.json)"],
  ['--api-key KEY', "with --merchant: its native X-API-Key (or KASIR_API_KEY)"],
  ['--api-secret SECRET', 'with --merchant: its native API secret (or KASIR_API_SECRET)'],
];
const AMOUNT = (what: string): [string, string] => ['--amount DECIMAL', `${what}, in major units (10.50); the whole remaining amount if left out`];

const SERVER_FLAGS: [string, string][] = [
  ['--port N', 'PORT'],
  ['--host HOST', 'HOST'],
  ['--database-url URL', 'DATABASE_URL (PostgreSQL; PGlite in --data-dir without it)'],
  ['--data-dir DIR', 'KASIR_DATA_DIR'],
  ['--state-dir DIR', 'KASIR_STATE_DIR (admin token, encryption key)'],
  ['--log-level LEVEL', 'KASIR_LOG_LEVEL'],
  ['--public-url URL', 'KASIR_PUBLIC_URL'],
];

export const HELP: Record<string, Help> = {
  serve: { usage: 'kasir serve [server flags]', about: 'Start the server with the same settings as `npm start` (environment variables, overridden by flags).', flags: SERVER_FLAGS, example: 'kasir serve --port 8080 --data-dir ./data' },
  migrate: { usage: 'kasir migrate [server flags]', about: 'Open the configured database and apply pending migrations.', flags: SERVER_FLAGS, example: 'DATABASE_URL=postgres://kasir@db/kasir kasir migrate' },
  'merchant create': {
    usage: 'kasir merchant create --name NAME [--mode test|live] [--nicepay-imid IMID --nicepay-key KEY]',
    about: 'Create a merchant and print its credentials for every dialect (shown only now).',
    flags: [['--name NAME', 'shown to operators'], ['--mode test|live', 'test (default): the sandbox only; live: only its connectors'], ['--nicepay-imid IMID', "the merchant's NICEPAY iMid (with --nicepay-key)"], ['--nicepay-key KEY', 'its NICEPAY merchant key']],
    example: 'kasir merchant create --name "Toko Maju" --json',
  },
  'merchant list': { usage: 'kasir merchant list', about: 'Every merchant: id, status, mode, creation time, name.', example: 'kasir merchant list --json' },
  'merchant show': { usage: 'kasir merchant show ID', about: 'One merchant with its keys and contract overrides.', flags: [ID()], example: 'kasir merchant show 0192…' },
  'merchant suspend': { usage: 'kasir merchant suspend ID', about: "Refuse the merchant's API requests until activated.", flags: [ID()], example: 'kasir merchant suspend 0192…' },
  'merchant activate': { usage: 'kasir merchant activate ID', about: "Serve the merchant's API requests again.", flags: [ID()], example: 'kasir merchant activate 0192…' },
  'key rotate': { usage: 'kasir key rotate ID [--overlap SECONDS]', about: 'Issue a new native key; the previous ones keep working for the overlap.', flags: [ID(), ['--overlap SECONDS', 'how long the previous keys still work (default 86400)']], example: 'kasir key rotate 0192… --overlap 3600' },
  'contract show': { usage: 'kasir contract show ID', about: "The merchant's contract overrides and the effective rules per dialect.", flags: [ID()], example: 'kasir contract show 0192…' },
  'contract set': {
    usage: 'kasir contract set ID --profile native|antom|nicepay [rules]',
    about: "Change one dialect profile of the merchant's contract (merged into the current overrides).",
    flags: [
      ID(), ['--profile P', 'native, antom or nicepay'], ['--family F', 'card, wallet, thai_banking, indonesian or bank_transfer (with a cancel rule)'],
      ['--window-seconds N|none', 'cancel window'], ['--before-success true|false', 'cancel before success'], ['--after-success true|false', 'cancel after success'],
      ['--partial true|false', 'partial cancels'], ['--api NAME=true|false', 'cancel, capture, refund or partialCancel on or off (repeatable)'], ['--rate-limit N|none', 'requests per second'],
    ],
    example: 'kasir contract set 0192… --profile antom --family wallet --window-seconds 600 --api refund=false',
  },
  balances: { usage: 'kasir balances ID', about: "The merchant's pending, available and reserved balances.", flags: [ID()], example: 'kasir balances 0192…' },
  payout: { usage: 'kasir payout ID --currency CUR --amount DECIMAL', about: 'Pay out from the available balance.', flags: [ID(), ['--currency CUR', 'ISO 4217 code'], ['--amount DECIMAL', 'in major units (50.00)']], example: 'kasir payout 0192… --currency USD --amount 50.00' },
  journal: { usage: 'kasir journal ID PAYMENT_ID', about: "The ledger journals of one of the merchant's payments.", flags: [ID(), ['PAYMENT_ID', 'the payment']], example: 'kasir journal 0192… 0193…' },
  deliveries: { usage: 'kasir deliveries ID PAYMENT_ID', about: 'The notifications of a payment and every delivery attempt.', flags: [ID(), ['PAYMENT_ID', 'the payment']], example: 'kasir deliveries 0192… 0193…' },
  redeliver: { usage: 'kasir redeliver DELIVERY_ID', about: 'Send a notification once more.', flags: [['DELIVERY_ID', 'from kasir deliveries']], example: 'kasir redeliver 42' },
  'connector create': {
    usage: 'kasir connector create --merchant ID --type antom|nicepay --base-url URL [type flags] [--name NAME]',
    about: "Register a live merchant's account at Antom or NICEPAY; prints the notifyUrl to give the provider.",
    flags: [
      ['--merchant ID', 'a live merchant'], ['--type T', 'antom or nicepay'], ['--base-url URL', "the provider's API host"], ['--name NAME', 'a label'],
      ['--client-id ID', 'antom: the client id'], ['--private-key-file PEM', "antom: the merchant's private key"], ['--provider-public-key-file PEM', "antom: Antom's public key"],
      ['--imid IMID', 'nicepay: the iMid'], ['--merchant-key KEY', 'nicepay: the merchant key'],
    ],
    example: 'kasir connector create --merchant 0192… --type nicepay --base-url https://www.nicepay.co.id --imid IMID000001 --merchant-key …',
  },
  'connector list': { usage: 'kasir connector list [--merchant ID]', about: 'Connector accounts, of one merchant or all.', flags: [['--merchant ID', 'only this merchant']], example: 'kasir connector list --merchant 0192…' },
  'connector show': { usage: 'kasir connector show CONNECTOR_ID', about: 'One connector account (never its secrets).', flags: [['CONNECTOR_ID', 'con_…']], example: 'kasir connector show con_…' },
  'connector delete': { usage: 'kasir connector delete CONNECTOR_ID', about: "Delete an account and its routes; payments already sent to it are still served.", flags: [['CONNECTOR_ID', 'con_…']], example: 'kasir connector delete con_…' },
  'route set': {
    usage: 'kasir route set --merchant ID --connector CONNECTOR_ID [--method METHOD] [--currency CUR] [--priority N]',
    about: "Send the merchant's payments (of a method and currency, or any) to a connector; the same triple again sets a new priority.",
    flags: [['--merchant ID', 'the merchant'], ['--connector CONNECTOR_ID', 'its connector account'], ['--method METHOD', 'only this payment method'], ['--currency CUR', 'only this currency'], ['--priority N', 'lower first (default 100)']],
    example: 'kasir route set --merchant 0192… --connector con_… --method wallet --currency IDR',
  },
  'route list': { usage: 'kasir route list [--merchant ID]', about: 'Routes, of one merchant or all.', flags: [['--merchant ID', 'only this merchant']], example: 'kasir route list --merchant 0192…' },
  'route delete': { usage: 'kasir route delete ROUTE_ID', about: 'Delete a route.', flags: [['ROUTE_ID', 'from kasir route list']], example: 'kasir route delete rte_…' },
  'payments list': {
    usage: 'kasir payments list [filters] [--limit N] [--cursor C]',
    about: 'Payments of every merchant, newest first, a page at a time (the next page: --cursor as printed).',
    flags: [
      ['--merchant ID', 'of this merchant'], ['--status S', 'requires_payment_method … succeeded, canceled, expired, payment_failed'], ['--dialect D', 'native, antom or nicepay'],
      ['--method M', 'payment method (card, wallet, promptpay …)'], ['--connector ID', 'sent to this connector account'], ['--from ISO', 'created at or after'], ['--to ISO', 'created before'],
      ['--search TEXT', 'any id: payment, reference, processor or dialect id'], ['--limit N', 'page size'], ['--cursor C', 'the page after the one that printed it'],
    ],
    example: 'kasir payments list --merchant 0192… --status succeeded --from 2025-01-01 --limit 20',
  },
  'payments show': { usage: 'kasir payments show PAYMENT_ID', about: 'One payment with its timeline, processor operations, deliveries and ledger.', flags: [['PAYMENT_ID', 'the payment']], example: 'kasir payments show 0193… --json' },
  'payments cancel': { usage: 'kasir payments cancel PAYMENT_ID [--amount DECIMAL] [--reason R]', about: "Cancel a payment (or part of it), under its merchant's contract.", flags: [['PAYMENT_ID', 'the payment'], AMOUNT('part to cancel'), ['--reason R', 'kept with the cancel']], example: 'kasir payments cancel 0193… --reason requested_by_customer' },
  'payments capture': { usage: 'kasir payments capture PAYMENT_ID [--amount DECIMAL]', about: 'Capture an authorized payment (requires_capture).', flags: [['PAYMENT_ID', 'the payment'], AMOUNT('part to capture')], example: 'kasir payments capture 0193… --amount 7.50' },
  'payments refund': { usage: 'kasir payments refund PAYMENT_ID [--amount DECIMAL] [--reason R]', about: 'Refund a succeeded payment, in full or in part.', flags: [['PAYMENT_ID', 'the payment'], AMOUNT('part to refund'), ['--reason R', 'kept with the refund']], example: 'kasir payments refund 0193… --amount 2.00 --reason requested_by_customer' },
  listen: {
    usage: 'kasir listen --forward-to URL [--merchant ID --api-key KEY --api-secret SECRET] [--events LIST]',
    about:
      "Forward a merchant's webhooks to a local app, like `stripe listen`: registers a temporary endpoint pointing at a receiver started here, forwards each delivery (body and webhook-* signature headers unchanged; verify them with the signing secret printed at start), prints one line per event and answers Kasir with your app's status. Ctrl-C removes the endpoint. Kasir must reach this machine (KASIR_ALLOW_PRIVATE_TARGETS for 127.0.0.1).",
    flags: [['--forward-to URL', "your app's webhook handler"], ['--events LIST', 'comma-separated event names (default: all)'], ['--listen-host HOST', 'where the receiver listens (default 127.0.0.1)'], ...MERCHANT_KEY],
    example: 'kasir listen --forward-to http://localhost:3000/webhooks --events payment.succeeded,refund.succeeded',
  },
  trigger: {
    usage: 'kasir trigger SCENARIO [--merchant ID --api-key KEY --api-secret SECRET] [--amount DECIMAL] [--currency CUR]',
    about: `Create a sandbox payment that reaches a named outcome (test merchants only) and print its id and status. Scenarios:\n${SCENARIO_LIST}`,
    flags: [...MERCHANT_KEY, ['--amount DECIMAL', 'default 10.00'], ['--currency CUR', 'default USD']],
    example: 'kasir trigger payment.succeeded --json',
  },
  version: { usage: 'kasir version   (or kasir --version)', about: "Kasir's version and the Node.js running it.", example: 'kasir --version' },
  help: { usage: 'kasir help [COMMAND]   (or kasir COMMAND --help)', about: 'Every command, or one command in detail.', example: 'kasir help payments list' },
};

/** Commands that run locally: no admin flags. */
const LOCAL = new Set(['serve', 'migrate', 'version', 'help']);
const ADMIN_FLAGS: [string, string][] = [
  ['--url URL', 'the Kasir server (or KASIR_URL; default http://127.0.0.1:8080)'],
  ['--token TOKEN', 'admin token (or KASIR_ADMIN_TOKEN; default: $KASIR_STATE_DIR/admin-token, ./.kasir/admin-token)'],
  ['--json', 'print JSON'],
];

function table(rows: [string, string][]): string[] {
  const width = Math.min(30, Math.max(...rows.map(([f]) => f.length)));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

/** The help of one command, of a group (`merchant`: its subcommands), or null when there is none. */
export function helpFor(name: string): string | null {
  const h = HELP[name];
  if (h) {
    const lines = [`Usage: ${h.usage}`, '', h.about, ''];
    if (h.flags?.length) lines.push('Arguments and flags:', ...table(h.flags), '');
    if (!LOCAL.has(name)) lines.push('Connection:', ...table(ADMIN_FLAGS), '');
    lines.push('Example:', `  ${h.example}`);
    return lines.join('\n');
  }
  const group = Object.keys(HELP).filter((k) => k.startsWith(name + ' '));
  if (group.length === 0) return null;
  return [`kasir ${name} commands:`, ...group.map((k) => `  ${HELP[k].usage}`), '', `Details: kasir ${name} SUBCOMMAND --help`].join('\n');
}
