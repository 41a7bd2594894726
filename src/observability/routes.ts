// The labels of an HTTP request in metrics and the access log: its dialect and operation, taken from
// the route pattern Fastify matched (`/api/v1/payments/:id/cancel` → native, cancel), never from the
// URL, which carries ids, tokens and whatever a caller makes up. Every value comes from a finite set:
// the registered routes, or a fixed list.
import { ANTOM_PREFIXES } from '../dialects/antom/plugin.ts';

export type DialectLabel = 'native' | 'antom' | 'nicepay' | 'admin' | 'other';

/** `path`: the route pattern when one matched, otherwise the URL's path (only ever compared). */
export function dialectOf(path: string): DialectLabel {
  if (path.startsWith('/api/v1/')) return 'native';
  if (path.startsWith('/nicepay/')) return 'nicepay';
  if (path.startsWith('/admin/')) return 'admin';
  if (ANTOM_PREFIXES.some((p) => path.startsWith(p + '/'))) return 'antom';
  return 'other';
}

// Antom routes one pattern, `<prefix>/:op`, for its operations (src/dialects/antom/plugin.ts): the
// operation is the parameter, kept only when it is one of these, so a caller cannot mint labels.
const ANTOM_OPS: ReadonlySet<string> = new Set(['pay', 'cancel', 'inquiryPayment', 'capture', 'refund', 'inquiryRefund']);

// Native routes share their last segments between methods (GET and POST /payments): named here.
const NATIVE_OPS: Readonly<Record<string, string>> = {
  'POST /api/v1/payments': 'create',
  'GET /api/v1/payments': 'list',
  'GET /api/v1/payments/:id': 'retrieve',
  'POST /api/v1/payments/:id/confirm': 'confirm',
  'POST /api/v1/payments/:id/capture': 'capture',
  'POST /api/v1/payments/:id/cancel': 'cancel',
  'POST /api/v1/payments/:id/refunds': 'refund',
  'GET /api/v1/payments/:id/events': 'events',
  'POST /api/v1/sandbox/payments/:id/pay': 'pay',
  'POST /api/v1/webhook-endpoints': 'create_webhook_endpoint',
  'GET /api/v1/webhook-endpoints': 'list_webhook_endpoints',
  'DELETE /api/v1/webhook-endpoints/:id': 'delete_webhook_endpoint',
};

const ADMIN_PREFIX = /^\/admin\/v\d+/;

const staticSegments = (pattern: string) => pattern.split('/').filter((s) => s !== '' && !s.startsWith(':') && !s.startsWith('*'));
const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root';

const memo = new Map<string, string>();

/** The operation label: `pattern` undefined means no route matched (a 404). */
export function operationOf(method: string, pattern: string | undefined, dialect: DialectLabel, params: unknown): string {
  if (pattern === undefined) return 'not_found';
  if (dialect === 'antom' && pattern.endsWith('/:op')) {
    const op = (params as { op?: unknown } | undefined)?.op;
    return typeof op === 'string' && ANTOM_OPS.has(op) ? op : 'unknown';
  }
  // HEAD is answered by the GET route.
  const key = `${method === 'HEAD' ? 'GET' : method} ${pattern}`;
  let op = memo.get(key);
  if (op === undefined) {
    op = derive(key, method, pattern, dialect);
    memo.set(key, op); // bounded: keys are registered routes
  }
  return op;
}

function derive(key: string, method: string, pattern: string, dialect: DialectLabel): string {
  if (dialect === 'native' && Object.hasOwn(NATIVE_OPS, key)) return NATIVE_OPS[key];
  if (dialect === 'admin') {
    // One admin path serves several methods (GET/PUT/PATCH .../contract): both name the operation.
    return label(`${method === 'HEAD' ? 'get' : method}_${staticSegments(pattern.replace(ADMIN_PREFIX, '')).join('_')}`);
  }
  // NICEPAY's /direct/v2/<operation>, /health, /readyz, /metrics, checkout pages, notify URLs.
  const segments = staticSegments(pattern);
  return label(segments[segments.length - 1] ?? 'root');
}
