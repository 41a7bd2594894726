// The dashboard's markup: one layout, escaping, forms. Every value that reaches a page goes through
// `esc` (or `attr`) — ids, names and references are the merchants' and buyers' text, never trusted.
// No inline script or style anywhere: the stylesheet is served from our origin (assets route), so the
// Content-Security-Policy can forbid both.
import type { FastifyRequest } from 'fastify';
import { formatMajor } from '../../core/money.ts';
import { KasirError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { getMerchant, type Merchant, type MerchantDeps } from '../../core/merchants/merchants.ts';

export const BASE = '/dashboard';
export const STYLESHEET_PATH = `${BASE}/assets/dashboard.css`;

/** Strict: nothing runs, styles only from our stylesheet, forms post only to us, never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET = `*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1d2430;background:#f4f6f8}
header{background:#1d2430;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin-left:auto}
main{max-width:78rem;margin:0 auto;padding:1rem}section{background:#fff;border:1px solid #d5dae1;border-radius:8px;padding:1rem;margin:0 0 1rem;overflow-x:auto}
h1{font-size:1.3rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e8ec;vertical-align:top}
th{color:#5b6573;font-weight:600}code,pre{font:12px/1.4 ui-monospace,monospace;overflow-wrap:anywhere}pre{white-space:pre-wrap;margin:0}
dl{display:grid;grid-template-columns:12rem 1fr;gap:.25rem 1rem;margin:0}dt{color:#5b6573}dd{margin:0;overflow-wrap:anywhere}
form.inline{display:inline}form.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end;margin:.4rem 0}
label{display:flex;flex-direction:column;font-size:.8rem;color:#5b6573;gap:.15rem}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #c2c8d0;border-radius:6px;background:#fff}
button{background:#1d2430;color:#fff;border-color:#1d2430;cursor:pointer}button.danger{background:#b42318;border-color:#b42318}
.flash{padding:.6rem .8rem;border-radius:6px;margin:0 0 1rem}.flash.ok{background:#dafbe1}.flash.error{background:#ffebe9}
.muted{color:#5b6573}.pager{display:flex;gap:1rem;margin-top:.6rem}.secret{background:#fff8c5;padding:.6rem;border-radius:6px}`;

/** Escapes text for element content and double-quoted attribute values. */
export const esc = (value: unknown): string =>
  value === null || value === undefined ? '' : String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const money = (minor: bigint, currency: string) => `${formatMajor(minor, currency)} ${currency}`;
export const time = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '');

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface LayoutInput {
  title: string;
  body: string;
  /** The session's CSRF token: present on every page behind the login (the logout form needs it). */
  csrf?: string;
  flash?: Flash | null;
}

export function layout(p: LayoutInput): string {
  const nav = p.csrf
    ? `<header><a href="${BASE}/payments">Payments</a><a href="${BASE}/merchants">Merchants</a><a href="${BASE}/connectors">Connectors</a>
<form method="post" action="${BASE}/logout">${csrfField(p.csrf)}<button type="submit" id="logout">Log out</button></form></header>`
    : '<header><span>Kasir dashboard</span></header>';
  const flash = p.flash ? `<p class="flash ${p.flash.kind === 'ok' ? 'ok' : 'error'}" id="flash" role="status">${esc(p.flash.text)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(p.title)} · Kasir dashboard</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body>${nav}<main>${flash}${p.body}</main></body></html>`;
}

export const csrfField = (token: string) => `<input type="hidden" name="csrf" value="${esc(token)}">`;

/** A POST form with the session's CSRF token; `inner` is already-escaped markup. */
export function postForm(action: string, csrf: string, inner: string, cls = 'row'): string {
  return `<form class="${cls}" method="post" action="${esc(action)}">${csrfField(csrf)}${inner}</form>`;
}

export function input(name: string, label: string, opts: { value?: string; placeholder?: string; type?: string; required?: boolean } = {}): string {
  return `<label>${esc(label)}<input name="${esc(name)}" type="${esc(opts.type ?? 'text')}" value="${esc(opts.value ?? '')}"${
    opts.placeholder ? ` placeholder="${esc(opts.placeholder)}"` : ''}${opts.required ? ' required' : ''}></label>`;
}

export function select(name: string, label: string, options: readonly (string | [string, string])[], selected?: string): string {
  const opts = options.map((o) => {
    const [value, text] = typeof o === 'string' ? [o, o] : o;
    return `<option value="${esc(value)}"${value === (selected ?? '') ? ' selected' : ''}>${esc(text)}</option>`;
  });
  return `<label>${esc(label)}<select name="${esc(name)}">${opts.join('')}</select></label>`;
}

export function table(headers: string[], rows: string[][], empty = 'Nothing yet.', rowAttrs: string[] = []): string {
  if (!rows.length) return `<p class="muted">${esc(empty)}</p>`;
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  // Cells are already-escaped markup (they may hold links and forms).
  const body = rows.map((r, i) => `<tr${rowAttrs[i] ?? ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function definitions(pairs: [string, string][]): string {
  return `<dl>${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** A route param (for links back; escaped wherever it is shown). */
export const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name] ?? '';
export const link = (path: string, text: string, id?: string) => `<a href="${esc(path)}"${id ? ` id="${esc(id)}"` : ''}>${esc(text)}</a>`;

/** A merchant named by a URL: anything but a uuid is "not found" before any query (never a SQL error). */
export async function merchantOf(deps: { merchants: MerchantDeps }, id: string): Promise<Merchant> {
  if (!isUuid(id)) throw new KasirError('MERCHANT_NOT_FOUND', 'Merchant not found');
  return getMerchant(deps.merchants.db, id.toLowerCase());
}
