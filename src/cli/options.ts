// Every flag the `kasir` admin commands know (node:util parseArgs); each command lists the ones that
// apply to it, the rest are refused by name.
export const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  mode: { type: 'string' },
  'nicepay-imid': { type: 'string' },
  'nicepay-key': { type: 'string' },
  overlap: { type: 'string' },
  profile: { type: 'string' },
  family: { type: 'string' },
  'window-seconds': { type: 'string' },
  'before-success': { type: 'string' },
  'after-success': { type: 'string' },
  partial: { type: 'string' },
  api: { type: 'string', multiple: true },
  'rate-limit': { type: 'string' },
  currency: { type: 'string' },
  amount: { type: 'string' },
  // connector accounts and routes (cli/connectors.ts)
  merchant: { type: 'string' },
  type: { type: 'string' },
  'base-url': { type: 'string' },
  'client-id': { type: 'string' },
  'private-key-file': { type: 'string' },
  'provider-public-key-file': { type: 'string' },
  imid: { type: 'string' },
  'merchant-key': { type: 'string' },
  connector: { type: 'string' },
  method: { type: 'string' },
  priority: { type: 'string' },
  // payments (cli/payments.ts)
  status: { type: 'string' },
  dialect: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  search: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  reason: { type: 'string' },
  // a merchant's own native API key, for listen and trigger (cli/merchant-api.ts)
  'api-key': { type: 'string' },
  'api-secret': { type: 'string' },
  // listen (cli/listen.ts)
  'forward-to': { type: 'string' },
  'listen-host': { type: 'string' },
  events: { type: 'string' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type Opts = { [K in OptionName]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
export const GLOBAL_OPTIONS = ['url', 'token', 'json', 'help'];
