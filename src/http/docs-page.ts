// GET /docs: the OpenAPI document rendered on the server into one self-contained HTML page — every
// operation with its parameters, body and answers, then every schema. No script at all and no
// external resource; the CSP allows only the page's own stylesheet, by its hash.
import { createHash } from 'node:crypto';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430;line-height:1.45}
h2{border-bottom:1px solid #d5dae1;padding-bottom:.3rem;margin-top:2.5rem}
.op{border:1px solid #d5dae1;border-radius:8px;padding:.8rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:ui-monospace,monospace}
.GET{color:#0a6ebd}.POST{color:#1a7f37}.DELETE{color:#b42318}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f5f7f9;padding:.6rem;overflow:auto;border-radius:6px}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #e1e5ea;padding:.25rem .5rem;text-align:left;vertical-align:top}
.note{color:#5b6573}`;

/** The CSP of the page: nothing but its one inline stylesheet. */
export const DOCS_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Descriptions are CommonMark in OpenAPI; only their `code spans` are rendered, the rest is text. */
const prose = (s: string) => escape(s).replace(/`([^`]+)`/g, '<code>$1</code>');

type Json = Record<string, any>;

/** Pretty JSON with each `$ref` to a component schema turned into a link to its section below. */
function schemaBlock(schema: unknown): string {
  const text = escape(JSON.stringify(schema, null, 2));
  return `<pre>${text.replace(/&quot;#\/components\/schemas\/(\w+)&quot;/g, '<a href="#schema-$1">&quot;#/components/schemas/$1&quot;</a>')}</pre>`;
}

/** The last segment of a `$ref`, or undefined. */
const refName = (x: Json | undefined) => (typeof x?.$ref === 'string' ? x.$ref.split('/').pop() : undefined);

function parameters(doc: Json, list: Json[]): string {
  if (list.length === 0) return '';
  const rows = list.map((p) => {
    const param = refName(p) ? doc.components.parameters[refName(p)!] : p;
    return `<tr><td><code>${escape(param.name)}</code></td><td>${escape(param.in)}</td><td>${param.required ? 'required' : 'optional'}</td><td><code>${escape(JSON.stringify(param.schema))}</code>${param.description ? `<br>${prose(param.description)}` : ''}</td></tr>`;
  });
  return `<table><tr><th>parameter</th><th>in</th><th></th><th>schema</th></tr>${rows.join('')}</table>`;
}

function responses(doc: Json, answers: Json): string {
  const rows = Object.entries(answers).map(([status, r]) => {
    const answer = refName(r) ? doc.components.responses[refName(r)!] : r;
    const schema = refName(answer.content?.['application/json']?.schema);
    return `<tr><td>${escape(status)}</td><td>${prose(answer.description)}</td><td>${schema ? `<a href="#schema-${escape(schema)}">${escape(schema)}</a>` : ''}</td></tr>`;
  });
  return `<table><tr><th>status</th><th>meaning</th><th>body</th></tr>${rows.join('')}</table>`;
}

function operation(doc: Json, method: string, path: string, op: Json): string {
  const body = refName(op.requestBody?.content?.['application/json']?.schema);
  return `<section class="op" id="${escape(op.operationId)}"><div><span class="m ${escape(method.toUpperCase())}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code> — ${prose(op.summary)}</div>
${parameters(doc, op.parameters ?? [])}
${body ? `<p>Body (${op.requestBody.required ? 'required' : 'optional'}): <a href="#schema-${escape(body)}">${escape(body)}</a></p>` : ''}
${responses(doc, op.responses)}</section>`;
}

export function renderDocsPage(doc: Json): string {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) ops.push(operation(doc, method, path, op));
  }
  const schemes = Object.values(doc.components.securitySchemes as Json)
    .map((s) => `<li><code>${escape(s.name)}</code>: ${prose(s.description)}</li>`)
    .join('');
  const schemas = Object.entries(doc.components.schemas as Json)
    .map(([name, s]) => `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3>${schemaBlock(s)}</section>`)
    .join('');
  const hooks = Object.values(doc.webhooks as Json).map((w) => `<p>${prose(w.post.summary)}: body <a href="#schema-WebhookEvent">WebhookEvent</a>.</p>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)}</title><style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)}</h1><p>${prose(doc.info.description)}</p>
<p class="note">Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${escape(doc.openapi)}).</p>
<h2>Authentication</h2><ul>${schemes}</ul>
<h2>Operations</h2>${ops.join('\n')}
<h2>Webhooks</h2>${hooks}
<h2>Schemas</h2>${schemas}
</body></html>`;
}
