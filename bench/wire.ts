// What each dialect's client puts on the wire and what it accepts back, for the load generator
// (load-worker.ts). Every request is signed when it is sent, in the worker thread, the way that
// dialect's clients sign: native HMAC over its own X-Timestamp, Antom RSA over its own
// Request-Time, NICEPAY's merchantToken over its own timeStamp. An answer is judged in the
// dialect's terms (native: HTTP 200; Antom: Result SUCCESS/S and a response signature that verifies
// with the gateway key; NICEPAY: resultCd 0000), and counted under a key naming what came back.
import { createHmac } from 'node:crypto';
import { formatSignatureHeader, parsePrivateKey, parsePublicKey, parseSignatureHeader, signedText, signRsa256, verifyRsa256 } from '../src/dialects/antom/signature.ts';
import { cancelToken } from '../src/dialects/nicepay/token.ts';
import { wibParts } from '../src/dialects/nicepay/txid.ts';

/** Seed 002 HMAC: one signed POST per path, the same body. `dialect` may be left out. */
export interface NativeWire {
  dialect?: 'native';
  paths: string[];
  body: string;
  apiKey: string;
  apiSecret: string;
  /** First X-Timestamp (epoch ms); request i signs tsStart + i, so no two requests replay each other. */
  tsStart: number;
}

/** Antom: one signed POST of each body to `path`. */
export interface AntomWire {
  dialect: 'antom';
  path: string;
  bodies: string[];
  clientId: string;
  /** The merchant's private key (PKCS#8 PEM) the requests are signed with. */
  privateKey: string;
  /** The gateway's public key (SPKI PEM) every answer's signature must verify with. */
  gatewayPublicKey: string;
  /** First Request-Time (epoch ms, as the SDKs send it); request i sends tsStart + i. */
  tsStart: number;
}

/** NICEPAY cancel: one JSON POST per tXid, merchantToken over that request's own timeStamp. */
export interface NicepayWire {
  dialect: 'nicepay';
  path: string;
  tXids: string[];
  iMid: string;
  merchantKey: string;
  payMethod: string;
  /** Whole Rupiah: a full cancel (cancelType 1) of this amount. */
  amt: string;
}

export type Wire = NativeWire | AntomWire | NicepayWire;

export interface Answer {
  status: number;
  /** The response head (status line and headers), latin1. */
  head: string;
  body: string;
}

export interface Speaker {
  count: number;
  /** The full HTTP/1.1 request text of request i, signed now. */
  request(i: number): string;
  /** What came back, as a statuses key; `ok` is the key of a success. */
  verdict(a: Answer): string;
  ok: string;
  /** What the failure samples name request i by. */
  name(i: number): string;
}

const JSON_LINE = 'Content-Type: application/json\r\n';
const length = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n`;

export function speaker(w: Wire, host: string): Speaker {
  if (w.dialect === 'antom') return antom(w, host);
  if (w.dialect === 'nicepay') return nicepay(w, host);
  return native(w, host);
}

function native(w: NativeWire, host: string): Speaker {
  const fixed = `Host: ${host}\r\n${JSON_LINE}${length(w.body)}X-API-Key: ${w.apiKey}\r\n`;
  return {
    count: w.paths.length,
    request(i) {
      const ts = String(w.tsStart + i);
      const sig = createHmac('sha256', w.apiSecret).update(`${ts}.`).update(w.body).digest('hex');
      return `POST ${w.paths[i]} HTTP/1.1\r\n${fixed}X-Timestamp: ${ts}\r\nX-Signature: sha256=${sig}\r\n\r\n${w.body}`;
    },
    verdict: (a) => String(a.status),
    ok: '200',
    name: (i) => w.paths[i],
  };
}

const SIGNATURE = /\r\nsignature:[ \t]*([^\r]*)/i;
const RESPONSE_TIME = /\r\nresponse-time:[ \t]*([^\r]*)/i;

function antom(w: AntomWire, host: string): Speaker {
  const key = parsePrivateKey(w.privateKey);
  const gateway = parsePublicKey(w.gatewayPublicKey);
  const fixed = `POST ${w.path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json; charset=UTF-8\r\nClient-Id: ${w.clientId}\r\n`;
  return {
    count: w.bodies.length,
    request(i) {
      const body = w.bodies[i];
      const time = String(w.tsStart + i);
      const signature = formatSignatureHeader(signRsa256(key, signedText('POST', w.path, w.clientId, time, body)));
      return `${fixed}${length(body)}Request-Time: ${time}\r\nSignature: ${signature}\r\n\r\n${body}`;
    },
    verdict(a) {
      let code = 'unreadable';
      try {
        const r = (JSON.parse(a.body) as { result?: { resultCode?: string; resultStatus?: string } }).result;
        code = `${r?.resultCode}/${r?.resultStatus}`;
      } catch {}
      // An SDK refuses an answer whose signature does not verify, whatever it says.
      const sig = parseSignatureHeader(SIGNATURE.exec(a.head)?.[1]);
      const time = RESPONSE_TIME.exec(a.head)?.[1];
      const signed = sig?.signature !== undefined && time !== undefined && verifyRsa256(gateway, signedText('POST', w.path, w.clientId, time, a.body), sig.signature);
      return `${a.status} ${code}${signed ? '' : ' unsigned'}`;
    },
    ok: '200 SUCCESS/S',
    name: (i) => `${w.path} ${w.bodies[i]}`,
  };
}

function nicepay(w: NicepayWire, host: string): Speaker {
  const fixed = `POST ${w.path} HTTP/1.1\r\nHost: ${host}\r\n${JSON_LINE}`;
  return {
    count: w.tXids.length,
    request(i) {
      const tXid = w.tXids[i];
      const now = wibParts(new Date());
      const timeStamp = now.transDt + now.transTm;
      const body = JSON.stringify({
        timeStamp,
        tXid,
        iMid: w.iMid,
        payMethod: w.payMethod,
        cancelType: '1',
        cancelMsg: 'Request Cancel',
        merchantToken: cancelToken({ timeStamp, iMid: w.iMid, tXid, amt: w.amt, merchantKey: w.merchantKey }),
        preauthToken: '',
        amt: w.amt,
      });
      return `${fixed}${length(body)}\r\n${body}`;
    },
    verdict(a) {
      try {
        return `${a.status} ${(JSON.parse(a.body) as { resultCd?: string }).resultCd}`;
      } catch {
        return `${a.status} unreadable`;
      }
    },
    ok: '200 0000',
    name: (i) => `${w.path} ${w.tXids[i]}`,
  };
}
