// Retrieve, list and the events timeline: reads only.
import { listEvents, listPayments } from '../../../core/payments/repo.ts';
import { readPayment } from '../../../core/payments/pending.ts';
import type { Status } from '../../../core/payments/states.ts';
import { validator } from '../../../http/validate.ts';
import { ok, renderEvent, renderPayment } from '../render.ts';
import type { NativeDeps, NativeRequest } from '../route.ts';
import { ListQuery } from '../schemas.ts';
import { parseTime } from './create.ts';
import { paymentRef } from './payment-ref.ts';

const checkList = validator(ListQuery);

export async function retrieveHandler(deps: NativeDeps, r: NativeRequest) {
  const p = await readPayment(deps.core, r.ctx, paymentRef(r.params.id));
  return ok(renderPayment(p));
}

export async function eventsHandler(deps: NativeDeps, r: NativeRequest) {
  const p = await readPayment(deps.core, r.ctx, paymentRef(r.params.id));
  const events = await listEvents(deps.core.db, p.id);
  return ok({ object: 'list', data: events.map((e) => renderEvent(e, p.currency)) });
}

export async function listHandler(deps: NativeDeps, r: NativeRequest) {
  const q = checkList.check(r.query);
  const limit = q.limit ? Number(q.limit) : 10;
  const rows = await listPayments(deps.core.db, {
    merchantId: r.ctx.merchant.id,
    limit: limit + 1, // one extra row tells whether there is a next page
    startingAfter: q.startingAfter?.toLowerCase(),
    status: q.status as Status | undefined,
    referenceId: q.referenceId,
    createdGte: q.createdGte ? parseTime(q.createdGte, 'createdGte') : undefined,
    createdLte: q.createdLte ? parseTime(q.createdLte, 'createdLte') : undefined,
  });
  const page = rows.slice(0, limit);
  return ok({ object: 'list', data: page.map(renderPayment), hasMore: rows.length > limit, nextStartingAfter: rows.length > limit ? page[page.length - 1].id : null });
}
