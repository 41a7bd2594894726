// tXid layout and status words. NICEPAY's tXid embeds the WIB (UTC+7) registration time, and
// clients parse transDt/transTm out of it, so it must be built from WIB regardless of server TZ.

const WIB_OFFSET_MS = 7 * 60 * 60 * 1000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** transDt `YYYYMMDD` and transTm `HHMMSS` in WIB. Indonesia has no DST, so a fixed offset is exact. */
export function wibParts(date: Date): { transDt: string; transTm: string } {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('wibParts: invalid date');
  const w = new Date(ms + WIB_OFFSET_MS);
  return {
    transDt: pad(w.getUTCFullYear(), 4) + pad(w.getUTCMonth() + 1, 2) + pad(w.getUTCDate(), 2),
    transTm: pad(w.getUTCHours(), 2) + pad(w.getUTCMinutes(), 2) + pad(w.getUTCSeconds(), 2),
  };
}

const IMID = /^[A-Za-z0-9]{10}$/;
const PAY_METHOD = /^\d{2}$/;
const TXID = /^([A-Za-z0-9]{10})(\d{2})(\d{8})(\d{6})(\d{4})$/;

/** iMid (10) + payMethod (2) + YYYYMMDDHHMMSS (WIB) + sequence (4) = 30 chars. The sequence
 * wraps at 10000; uniqueness across wraps is the caller's job (the time part changes). */
export function formatTxid(iMid: string, payMethod: string, date: Date, sequence: number): string {
  if (!IMID.test(iMid)) throw new RangeError(`formatTxid: iMid must be 10 alphanumerics, got ${JSON.stringify(iMid)}`);
  if (!PAY_METHOD.test(payMethod)) throw new RangeError(`formatTxid: payMethod must be 2 digits, got ${JSON.stringify(payMethod)}`);
  if (!Number.isSafeInteger(sequence)) throw new RangeError('formatTxid: sequence must be an integer');
  const { transDt, transTm } = wibParts(date);
  const seq = ((sequence % 10000) + 10000) % 10000;
  return iMid + payMethod + transDt + transTm + pad(seq, 4);
}

export interface TxidParts {
  iMid: string;
  payMethod: string;
  transDt: string;
  transTm: string;
  sequence: number;
}

/** Shape check only (no calendar validation): the tXid is an opaque key once issued. */
export function parseTxid(tXid: string): TxidParts | null {
  const m = TXID.exec(tXid);
  if (!m) return null;
  return { iMid: m[1]!, payMethod: m[2]!, transDt: m[3]!, transTm: m[4]!, sequence: Number(m[5]) };
}

/** Sandbox VA number: the bank's prefix + the tXid's last 10 digits (HHMMSS + sequence), as the
 * NICEPAY sandbox does, so merchants' test fixtures that derive one from the other keep working. */
export function sandboxVacctNo(bankPrefix: string, tXid: string): string {
  if (!/^\d*$/.test(bankPrefix)) throw new RangeError('sandboxVacctNo: bankPrefix must be digits');
  if (parseTxid(tXid) === null) throw new RangeError('sandboxVacctNo: malformed tXid');
  return bankPrefix + tXid.slice(-10);
}

/** Inquiry `status` code → word, per payMethod (spec table). VA/CVS code 4 also covers canceled. */
export const STATUS_WORDS = {
  '01': { 0: 'success', 1: 'void', 2: 'refund', 8: 'failed', 9: 'init' },
  '02': { 0: 'paid', 1: 'reversal', 3: 'unpaid', 4: 'expired' },
  '03': { 0: 'paid', 3: 'unpaid', 4: 'expired', 5: 'ready' },
  '05': { 0: 'paid', 1: 'void', 2: 'refund', 3: 'unpaid', 4: 'processing', 5: 'expired', 8: 'failed', 9: 'init' },
  '08': { 0: 'success', 2: 'refund', 3: 'unpaid', 4: 'processing', 5: 'expired' },
} as const satisfies Record<string, Readonly<Partial<Record<number, string>>>>;

export type StatusPayMethod = keyof typeof STATUS_WORDS;
export type StatusWord = { [P in StatusPayMethod]: (typeof STATUS_WORDS)[P][keyof (typeof STATUS_WORDS)[P]] }[StatusPayMethod];

/** The word for a status code, or undefined where the table has no cell (or an unknown method). */
export function statusWord(payMethod: string, code: number | string): StatusWord | undefined {
  if (!Object.hasOwn(STATUS_WORDS, payMethod)) return undefined;
  const n = typeof code === 'number' ? code : /^\d$/.test(code) ? Number(code) : NaN;
  const row: Readonly<Partial<Record<number, StatusWord>>> = STATUS_WORDS[payMethod as StatusPayMethod];
  return Object.hasOwn(row, n) ? row[n] : undefined;
}
