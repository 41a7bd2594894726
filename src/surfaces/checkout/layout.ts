// The shell every buyer-facing page shares: viewport meta for phones, the one stylesheet, and the
// page's own Content-Security-Policy as a <meta> too, so a page is locked down even when it is served
// by a route that sets no CSP header of its own (NICEPAY's pages go out through its dialect's
// reply wrapper). The header, where sent, carries the same policy plus frame-ancestors.
import { createHash } from 'node:crypto';
import { contentSecurityPolicy, STYLESHEET_PATH } from './style.ts';

/** Escapes text for HTML content and double-quoted attributes (numeric entities). */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The CSP source of an inline script: its SHA-256, so only that exact script may run. */
export const scriptHash = (script: string) => `sha256-${createHash('sha256').update(script).digest('base64')}`;

export interface PageParts {
  title: string;
  /** Already-escaped markup of the page's card. */
  body: string;
  /** Already-escaped markup after the card (the sandbox note). */
  footer?: string;
  /** Extra <head> markup (a meta refresh). */
  head?: string;
  /** An inline script to allow and include at the end of the body. */
  script?: string;
}

export function renderPage(p: PageParts): string {
  // frame-ancestors is ignored in a <meta> policy (only the header can carry it), so leave it out.
  const policy = contentSecurityPolicy(p.script ? [scriptHash(p.script)] : []).replace(/; frame-ancestors 'none'/, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<title>${escapeHtml(p.title)} · Kasir</title><link rel="stylesheet" href="${STYLESHEET_PATH}">${p.head ?? ''}
</head><body><main><div class="card">${p.body}</div>${p.footer ?? ''}</main>${p.script ? `<script>${p.script}</script>` : ''}</body></html>`;
}
