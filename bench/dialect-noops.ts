// The ceilings of the Antom and NICEPAY cancel rows: no-op routes behind each dialect's own
// authentication and signing, in the bench's Fastify instance only (never in src/). Everything a
// cancel request costs in that dialect except the cancel itself:
// - Antom: the dialect's own request handler (route.ts operationHandler: client look-up, RSA256
//   verification of the request, the pipeline, the JSON body parsed) with an operation that does
//   nothing, and its answer signed with the gateway key like every Antom answer;
// - NICEPAY: the dialect's route wrapper (body decoding, resultCd rendering) and the cancel's
//   merchantToken check, the same candidates as routes/cancel.ts, answered 0000.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../src/app.ts';
import { SUCCESS } from '../src/dialects/antom/render.ts';
import { operationHandler } from '../src/dialects/antom/route.ts';
import { authenticate } from '../src/dialects/nicepay/auth.ts';
import { opt, req } from '../src/dialects/nicepay/fields.ts';
import { nicepayRoute } from '../src/dialects/nicepay/route.ts';
import { cancelToken } from '../src/dialects/nicepay/token.ts';
import { canonicalAmount } from '../src/dialects/nicepay/transport.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import { TxidSequence } from '../src/dialects/nicepay/txid-sequence.ts';

/** The op segment names the no-op operation, as `/ams/api/v1/payments/cancel` names cancel. */
export const ANTOM_NOOP_PATH = '/bench/antom/noop';
export const NICEPAY_NOOP_PATH = '/bench/nicepay/noop';

export function addDialectNoops(app: FastifyInstance, deps: AppDeps): void {
  const limiter = new RateLimiter(deps.core);
  const common = { core: deps.core, credentials: deps.credentials, limiter };
  app.post('/bench/antom/:op', operationHandler({ ...common, publicUrl: deps.publicUrl }, { noop: async () => ({ result: SUCCESS() }) }));
  nicepayRoute(app, { ...common, txids: new TxidSequence(deps.core) }, ['POST'], NICEPAY_NOOP_PATH, 'cancel', async (d, r) => {
    const f = r.fields;
    const rawAmt = req(f, 'amt');
    const amt = canonicalAmount(rawAmt);
    const iMid = req(f, 'iMid');
    await authenticate(d, iMid, r.requestId, opt(f, 'merchantToken'), (merchantKey) =>
      [rawAmt, amt ?? rawAmt].map((a) => cancelToken({ timeStamp: req(f, 'timeStamp'), iMid, tXid: req(f, 'tXid'), amt: a, merchantKey })),
    );
    return { json: { resultCd: '0000', resultMsg: 'SUCCESS' } };
  });
}
