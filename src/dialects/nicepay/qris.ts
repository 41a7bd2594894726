// The sandbox QRIS payload: an EMVCo merchant-presented QR string (tag-length-value, CRC-16/CCITT
// at the end) like the ones real QRIS acquirers issue, so apps that parse or render qrContent
// work unchanged. The transaction's tXid travels in the additional-data field (tag 62, sub-tag 05).

function tlv(tag: string, value: string): string {
  return tag + String(value.length).padStart(2, '0') + value;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo QR specifies for tag 63. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export function sandboxQrContent(input: { tXid: string; iMid: string; amt: string; merchantName: string }): string {
  const name = input.merchantName.replace(/[^\x20-\x7e]/g, '').slice(0, 25) || 'KASIR SANDBOX';
  const body =
    tlv('00', '01') +
    tlv('01', '12') + // dynamic QR: one payment
    tlv('26', tlv('00', 'ID.CO.KASIR.SANDBOX') + tlv('01', input.iMid) + tlv('02', input.tXid)) +
    tlv('52', '5999') +
    tlv('53', '360') + // IDR
    tlv('54', input.amt) +
    tlv('58', 'ID') +
    tlv('59', name) +
    tlv('60', 'JAKARTA') +
    tlv('62', tlv('05', input.tXid)) +
    '6304';
  return body + crc16(body);
}
