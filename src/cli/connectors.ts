// `kasir connector …` and `kasir route …`: a live merchant's accounts at Antom and NICEPAY and the
// routes sending its payments to them, through the admin API like every admin command. Secrets are
// read from files or flags and sent once; nothing printed here ever contains one (the API never
// returns them).
import { readFileSync } from 'node:fs';
import { apiInFlags, integerOption, seg, UsageError, type Command, type Ctx } from './client.ts';
import type { OptionName } from './options.ts';
import type { ConnectorRoute } from '../core/connectors/routes.ts';

export const CONNECTOR_USAGE = `Live merchants (create them with --mode live): connector accounts and routes
  kasir connector create --merchant ID --type antom --base-url URL --client-id CLIENT_ID
        --private-key-file PEM --provider-public-key-file PEM [--name NAME] [--json]
  kasir connector create --merchant ID --type nicepay --base-url URL --imid IMID --merchant-key KEY
        [--name NAME] [--json]
  kasir connector list [--merchant ID] [--json]
  kasir connector show CONNECTOR_ID [--json]
  kasir connector delete CONNECTOR_ID [--json]
  kasir route set --merchant ID --connector CONNECTOR_ID [--method METHOD] [--currency CUR]
        [--priority N] [--json]      (same connector, method and currency again: new priority)
  kasir route list [--merchant ID] [--json]
  kasir route delete ROUTE_ID`;

const TYPES = ['antom', 'nicepay'] as const;
const TYPE_FLAGS: Record<(typeof TYPES)[number], OptionName[]> = {
  antom: ['client-id', 'private-key-file', 'provider-public-key-file'],
  nicepay: ['imid', 'merchant-key'],
};

/** The admin API's field names → the flags that gave them: a refusal names what the operator typed. */
const FLAG_OF: Record<string, string> = {
  type: '--type', name: '--name', baseUrl: '--base-url', clientId: '--client-id', privateKey: '--private-key-file',
  providerPublicKey: '--provider-public-key-file', iMid: '--imid', merchantKey: '--merchant-key', connectorId: '--connector',
  connector: '--connector', method: '--method', currency: '--currency', priority: '--priority', mode: '--merchant',
};

const call = (c: Ctx, method: string, path: string, body?: unknown) => apiInFlags(c, FLAG_OF, method, path, body);

function readFlagFile(flag: OptionName, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const print = (c: Ctx, data: unknown, human: () => string[]) => c.io.out(c.opts.json ? JSON.stringify(data, null, 2) : human().join('\n'));

interface ConnectorView {
  id: string;
  type: string;
  merchantId: string;
  name: string;
  baseUrl: string;
  settings: Record<string, string>;
  notifyUrl: string;
  createdAt: string;
  deletedAt: string | null;
}

const connectorLine = (a: ConnectorView) => `${a.id}  ${a.type.padEnd(7)}  merchant ${a.merchantId}  ${a.baseUrl}  ${a.name}${a.deletedAt ? '  (deleted)' : ''}`;

function connectorLines(a: ConnectorView): string[] {
  // A PEM key (the provider's public key) is long and public: its kind is enough on screen, --json has it.
  const shown = (v: string) => (v.includes('-----BEGIN') ? `(PEM, ${v.length} characters)` : v);
  return [
    `${a.id}  ${a.type}  ${a.name}`,
    `  merchant   : ${a.merchantId}`,
    `  base URL   : ${a.baseUrl}`,
    ...Object.entries(a.settings).map(([k, v]) => `  ${k.padEnd(11)}: ${shown(v)}`),
    `  notifyUrl  : ${a.notifyUrl}`,
    `  created    : ${a.createdAt}${a.deletedAt ? `, deleted ${a.deletedAt}` : ''}`,
  ];
}

async function connectorCreate(c: Ctx): Promise<void> {
  const o = c.opts;
  if (!o.merchant) throw new UsageError('kasir connector create needs --merchant ID (a merchant created with --mode live)');
  const type = o.type as (typeof TYPES)[number];
  if (!TYPES.includes(type)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
  if (!o['base-url']) throw new UsageError("--base-url is required: the provider's API host");
  for (const [other, flags] of Object.entries(TYPE_FLAGS)) {
    const wrong = other === type ? [] : flags.filter((f) => o[f] !== undefined);
    if (wrong.length) throw new UsageError(`--${wrong[0]} does not apply to --type ${type}`);
  }
  const missing = TYPE_FLAGS[type].filter((f) => !o[f]);
  if (missing.length) throw new UsageError(`--type ${type} needs ${missing.map((f) => `--${f}`).join(', ')}`);
  const given =
    type === 'antom'
      ? {
          clientId: o['client-id'],
          privateKey: readFlagFile('private-key-file', o['private-key-file']!),
          providerPublicKey: readFlagFile('provider-public-key-file', o['provider-public-key-file']!),
        }
      : { iMid: o.imid, merchantKey: o['merchant-key'] };
  const body = { type, ...(o.name === undefined ? {} : { name: o.name }), baseUrl: o['base-url'], ...given };
  const a: ConnectorView = await call(c, 'POST', `/merchants/${seg(o.merchant)}/connectors`, body);
  print(c, a, () => [
    `Connector ${a.id} (${a.type}, ${a.name}) created for merchant ${a.merchantId}.`,
    `  notifyUrl: ${a.notifyUrl}`,
    `Give the provider this notifyUrl, then send payments to the account: kasir route set --merchant ${a.merchantId} --connector ${a.id}`,
  ]);
}

async function connectorList(c: Ctx): Promise<void> {
  const d = await call(c, 'GET', c.opts.merchant ? `/merchants/${seg(c.opts.merchant)}/connectors` : '/connectors');
  print(c, d.data, () => (d.data.length ? d.data.map(connectorLine) : ['No connector accounts yet: kasir connector create --merchant ID --type antom|nicepay …']));
}

async function connectorShow(c: Ctx): Promise<void> {
  const a: ConnectorView = await call(c, 'GET', `/connectors/${seg(c.args[0])}`);
  print(c, a, () => connectorLines(a));
}

async function connectorDelete(c: Ctx): Promise<void> {
  const a: ConnectorView = await call(c, 'DELETE', `/connectors/${seg(c.args[0])}`);
  print(c, a, () => [`Connector ${a.id} deleted at ${a.deletedAt}: its routes are gone; payments already sent to it are still served.`]);
}

/** A route as the admin API renders it (dates as text, which the lines below do not show). */
type RouteView = Omit<ConnectorRoute, 'createdAt'>;

const routeLine = (r: RouteView) =>
  `${r.id}  merchant ${r.merchantId}  → ${r.connectorId}  method ${r.method ?? 'any'}  currency ${r.currency ?? 'any'}  priority ${r.priority}`;

async function routeSet(c: Ctx): Promise<void> {
  const o = c.opts;
  if (!o.merchant) throw new UsageError('kasir route set needs --merchant ID');
  if (!o.connector) throw new UsageError('kasir route set needs --connector CONNECTOR_ID');
  const body = {
    connectorId: o.connector,
    ...(o.method === undefined ? {} : { method: o.method }),
    ...(o.currency === undefined ? {} : { currency: o.currency }),
    ...(o.priority === undefined ? {} : { priority: integerOption('priority', o.priority) }),
  };
  const r: RouteView = await call(c, 'POST', `/merchants/${seg(o.merchant)}/routes`, body);
  print(c, r, () => [routeLine(r)]);
}

async function routeList(c: Ctx): Promise<void> {
  const d = await call(c, 'GET', c.opts.merchant ? `/merchants/${seg(c.opts.merchant)}/routes` : '/routes');
  print(c, d.data, () => (d.data.length ? d.data.map(routeLine) : ['No routes yet: kasir route set --merchant ID --connector CONNECTOR_ID']));
}

async function routeDelete(c: Ctx): Promise<void> {
  const d = await call(c, 'DELETE', `/routes/${seg(c.args[0])}`);
  print(c, d, () => [`Route ${d.id} deleted.`]);
}

export const CONNECTOR_COMMANDS: Record<string, Command> = {
  'connector create': {
    args: [],
    options: ['merchant', 'type', 'name', 'base-url', 'client-id', 'private-key-file', 'provider-public-key-file', 'imid', 'merchant-key'],
    run: connectorCreate,
  },
  'connector list': { args: [], options: ['merchant'], run: connectorList },
  'connector show': { args: ['CONNECTOR_ID'], options: [], run: connectorShow },
  'connector delete': { args: ['CONNECTOR_ID'], options: [], run: connectorDelete },
  'route set': { args: [], options: ['merchant', 'connector', 'method', 'currency', 'priority'], run: routeSet },
  'route list': { args: [], options: ['merchant'], run: routeList },
  'route delete': { args: ['ROUTE_ID'], options: [], run: routeDelete },
};
