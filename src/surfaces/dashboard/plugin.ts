// The operator's dashboard under /dashboard: server-rendered pages, forms that work without any
// script. Login with the admin token opens a session (session.ts); every other page needs one (GET
// without → redirect to the login), every POST needs one and its CSRF token (else 403, nothing done).
// Actions answer with a redirect and a flash message (post-redirect-get), except the ones that show
// freshly issued secrets: those are rendered once, directly, and never stored to survive a redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { ProvisioningDeps } from '../../core/merchants/merchants.ts';
import type { DialectProvisioners } from '../../dialects/registry.ts';
import { rawBody } from '../../http/raw-body.ts';
import { InputError } from '../../http/validate.ts';
import { BASE, CONTENT_SECURITY_POLICY, csrfField, layout, STYLESHEET, type Flash } from './html.ts';
import {
  closeSession, currentSession, loginCsrf, loginCsrfValid, openSession, sameSecret, setFlash, takeFlash, type Session, type SessionDeps,
} from './session.ts';
import { paymentPages } from './payments.ts';
import { merchantPages } from './merchants.ts';
import { connectorPages } from './connectors.ts';

export interface DashboardDeps {
  core: CoreDeps;
  merchants: ProvisioningDeps<DialectProvisioners>;
  credentials: CredentialCache;
  adminToken: string;
  publicUrl: () => string;
}

export interface PageResult {
  status?: number;
  title: string;
  /** Already-escaped markup. */
  body: string;
}

export type ActionResult = { redirect: string; flash: Flash } | PageResult;

/** How the page modules add routes: the session, CSRF and error handling are done here, once. */
export interface Surface {
  page(url: string, render: (req: FastifyRequest, csrf: string) => Promise<PageResult>): void;
  /** `back`: where a refused action returns to, with the refusal as its flash message. */
  action(url: string, back: (req: FastifyRequest) => string, run: (req: FastifyRequest, form: URLSearchParams) => Promise<ActionResult>): void;
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

function html(reply: FastifyReply, status: number, markup: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(markup);
}

const forbidden = (reply: FastifyReply) =>
  html(reply, 403, layout({ title: 'Forbidden', body: '<h1>Forbidden</h1><p>This form was not sent by this dashboard session, or the session has ended. Reload the page and try again.</p>' }));

function loginPage(csrf: string, error?: string): string {
  return layout({
    title: 'Log in',
    flash: error ? { kind: 'error', text: error } : null,
    body: `<section><h1>Log in</h1><form class="row" method="post" action="${BASE}/login">${csrfField(csrf)}
<label>Admin token<input type="password" name="token" id="token" autocomplete="current-password" required></label>
<button type="submit" id="login">Log in</button></form></section>`,
  });
}

/** Errors an operator can act on (a refusal, a bad input) become the flash; anything else is a 500. */
function refusal(err: unknown): Flash | null {
  if (err instanceof KasirError) return { kind: 'error', text: `${err.code}: ${err.message}` };
  if (err instanceof InputError) return { kind: 'error', text: err.message };
  return null;
}

export async function dashboard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const sessions: SessionDeps = { db: deps.core.db, clock: deps.core.clock, adminToken: deps.adminToken, publicUrl: deps.publicUrl };

  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  app.get('/assets/dashboard.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));
  app.get('/', async (_req, reply) => reply.redirect(`${BASE}/payments`, 303));

  app.get('/login', async (req, reply) => {
    if (await currentSession(sessions, req)) return reply.redirect(`${BASE}/payments`, 303);
    return html(reply, 200, loginPage(loginCsrf(sessions, req, reply)));
  });
  app.post('/login', async (req, reply) => {
    if (!FORM_TYPE.test(req.headers['content-type'] ?? '')) return forbidden(reply);
    const form = new URLSearchParams(rawBody(req.body).toString('utf8'));
    if (!loginCsrfValid(req, form.get('csrf'))) return forbidden(reply);
    if (!sameSecret(form.get('token') ?? '', deps.adminToken)) {
      return html(reply, 401, loginPage(loginCsrf(sessions, req, reply), 'That is not the admin token.'));
    }
    await openSession(sessions, reply);
    return reply.redirect(`${BASE}/payments`, 303);
  });

  /** The session and its CSRF token, checked before any POST does anything. */
  async function checkedPost(req: FastifyRequest): Promise<{ session: Session; form: URLSearchParams } | null> {
    const session = await currentSession(sessions, req);
    if (!session || !FORM_TYPE.test(req.headers['content-type'] ?? '')) return null;
    const form = new URLSearchParams(rawBody(req.body).toString('utf8'));
    return sameSecret(form.get('csrf') ?? '', session.csrf) ? { session, form } : null;
  }

  app.post('/logout', async (req, reply) => {
    const checked = await checkedPost(req);
    if (!checked) return forbidden(reply);
    await closeSession(sessions, checked.session, reply);
    return reply.redirect(`${BASE}/login`, 303);
  });

  const surface: Surface = {
    page(url, render) {
      app.get(url, async (req, reply) => {
        const session = await currentSession(sessions, req);
        if (!session) return reply.redirect(`${BASE}/login`, 303);
        const flash = await takeFlash(sessions, session);
        try {
          const page = await render(req, session.csrf);
          return html(reply, page.status ?? 200, layout({ title: page.title, body: page.body, csrf: session.csrf, flash }));
        } catch (err) {
          const problem = refusal(err);
          if (!problem) throw err;
          const status = err instanceof KasirError && err.code.endsWith('NOT_FOUND') ? 404 : 400;
          return html(reply, status, layout({ title: 'Not shown', body: `<h1>${status === 404 ? 'Not found' : 'Cannot show this page'}</h1>`, csrf: session.csrf, flash: problem }));
        }
      });
    },
    action(url, back, run) {
      app.post(url, async (req, reply) => {
        const checked = await checkedPost(req);
        if (!checked) return forbidden(reply);
        let result: ActionResult;
        try {
          result = await run(req, checked.form);
        } catch (err) {
          const problem = refusal(err);
          if (!problem) throw err;
          result = { redirect: back(req), flash: problem };
        }
        if ('redirect' in result) {
          await setFlash(sessions, checked.session, result.flash);
          return reply.redirect(result.redirect, 303);
        }
        return html(reply, result.status ?? 200, layout({ title: result.title, body: result.body, csrf: checked.session.csrf }));
      });
    },
  };
  paymentPages(surface, deps);
  merchantPages(surface, deps);
  connectorPages(surface, deps);
}

