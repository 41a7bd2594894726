// The notifyUrl of every connector account: POST /connectors/<accountId>/notify. Upstream providers
// send their payment, capture and refund notifications here; the account's connector verifies them
// (Antom: RSA signature with the provider's public key; NICEPAY: merchantToken, then an inquiry),
// applies them through the core and answers with the acknowledgement the provider expects. An
// unknown account answers 404 and changes nothing.
import type { FastifyInstance } from 'fastify';
import { getConnector } from '../core/connectors/accounts.ts';
import type { CoreDeps } from '../core/deps.ts';
import { CONNECTOR_KINDS } from '../processors/registry.ts';
import { notifyUrlOf } from '../processors/connector.ts';
import { rawBody } from './raw-body.ts';

export const NOTIFY_PATH = '/connectors/:accountId/notify';

export async function connectorNotifications(app: FastifyInstance, deps: { core: CoreDeps; publicUrl: () => string }): Promise<void> {
  app.post(NOTIFY_PATH, async (req, reply) => {
    const id = (req.params as { accountId: string }).accountId;
    let account;
    try {
      account = /^con_[A-Za-z0-9_-]{8,64}$/.test(id) ? await getConnector(deps.core, id) : null;
    } catch {
      account = null;
    }
    if (!account) return reply.code(404).type('application/json').send('{"error":"unknown connector account"}');
    const processor = await deps.core.processors.get(account.id);
    const answer = await CONNECTOR_KINDS[account.type].receive(account, processor, {
      method: req.method,
      // The path the provider was given (and signs): a proxy in front may strip a prefix of the public URL.
      path: new URL(notifyUrlOf(deps.publicUrl(), account.id)).pathname,
      headers: req.headers,
      rawBody: rawBody(req.body),
      contentType: String(req.headers['content-type'] ?? ''),
    }, deps.core);
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    return reply.send(answer.body);
  });
}
