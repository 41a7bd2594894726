-- NICEPAY tXid = iMid (10) + payMethod (2) + YYYYMMDDHHMMSS (WIB) + a 4-digit sequence
-- (docs/nicepay-api.md). The sequence cycles through 0000–9999: a tXid repeats only if one iMid and
-- payMethod registered more than 10,000 transactions within one second; payments_nicepay_txid
-- (unique) refuses such a repeat rather than letting two payments share a tXid. Cancel ids
-- (canceltXid) draw from the same sequence.
CREATE SEQUENCE nicepay_txid_seq MINVALUE 0 MAXVALUE 9999 START WITH 1 CYCLE;
