// QR codes (PromptPay, QRIS) drawn as inline SVG: no image request, so the page's CSP can stay at
// default-src 'none', and the code stays sharp at any phone's pixel density.
import { escapeHtml } from './layout.ts';

/** Error correction M: what PromptPay and QRIS apps scan reliably from a screen. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The SVG of `content`, labelled for screen readers and styled by the shared stylesheet. */
export async function qrSvg(content: string, label: string): Promise<string> {
  // Loaded on the first QR page: 57 modules that every start (the server's, the CLI's, each test
  // file's) would otherwise load for pages only some payment methods show.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(content, { ...QR_OPTIONS, type: 'svg' });
  return svg.trim().replace('<svg ', `<svg class="qr" id="qr" role="img" aria-label="${escapeHtml(label)}" `);
}
