// NICEPAY's notification at the account's dbProcessUrl (form-urlencoded, some send JSON): tXid,
// amt, referenceNo, merchantToken = SHA256(iMid + tXid + amt + merchantKey), status … The token only
// proves the sender knows the key; what changes is decided by an inquiry (sync) of the charge, so a
// replayed or stale notification cannot move a payment anywhere the upstream does not say it is.
// Providers resend until a 2xx: the same notification again changes nothing more.
import type { ConnectorAccount } from '../../core/connectors/accounts.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { isUuid } from '../../core/ids.ts';
import { getOperation } from '../../core/processors/operations.ts';
import type { Processor } from '../../core/processors/processor.ts';
import { reportCharge } from '../../core/payments/upstream-report.ts';
import { getPaymentById } from '../../core/payments/repo.ts';
import { notificationToken, tokenMatches } from '../../dialects/nicepay/token.ts';
import { parseNicepayBody } from '../../dialects/nicepay/transport.ts';
import { parseTxid } from '../../dialects/nicepay/txid.ts';
import type { InboundNotification, NotificationAnswer } from '../connector.ts';

const text = (status: number, body: string): NotificationAnswer => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
const OK = text(200, 'OK');

export async function receiveNotification(account: ConnectorAccount, processor: Processor, n: InboundNotification, core: CoreDeps): Promise<NotificationAnswer> {
  let f: Record<string, string>;
  try {
    f = parseNicepayBody(n.contentType, n.rawBody);
  } catch {
    return text(400, 'malformed notification');
  }
  const iMid = account.settings.iMid;
  const tXid = f.tXid ?? '';
  // The notification names its iMid in the tXid (and sometimes a field): another account's is not ours.
  const named = f.iMid ?? parseTxid(tXid)?.iMid;
  const expected = notificationToken({ iMid, tXid, amt: f.amt ?? '', merchantKey: account.secret });
  // Compared first, whatever else is wrong, so the answer's timing says nothing about the fields.
  const tokenOk = tokenMatches(expected, f.merchantToken);
  if (!tokenOk || named !== iMid || !tXid) return text(401, 'invalid merchantToken');

  // referenceNo is the id of the charge's operation record (requests.ts): anything else is not a
  // payment Kasir sent (e.g. one made at NICEPAY directly) and is acknowledged, changing nothing.
  const referenceNo = f.referenceNo ?? '';
  const op = isUuid(referenceNo) ? await getOperation(core.db, referenceNo) : null;
  if (!op || op.processor !== account.id || op.kind !== 'authorize') return OK;
  const p = await getPaymentById(core.db, op.paymentId);
  if (!p) return OK;
  try {
    const found = await processor.sync(op, p);
    await reportCharge(core, account.id, op.id, found, 'notification');
  } catch {
    // The inquiry failed, or the payment is busy (a cancel in flight): not acknowledged, so the
    // upstream sends it again later (and the poller asks meanwhile).
    return text(503, 'try again later');
  }
  return OK;
}
