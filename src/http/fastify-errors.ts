import { KasirError } from '../core/errors.ts';

/** Errors Fastify raises before a handler runs (body too large, bad content), as error-table rows. */
export function fastifyErrorToKasir(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new KasirError('PAYLOAD_TOO_LARGE', 'The request body is too large', { field: 'body' });
  if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) return new KasirError('INVALID_PARAMETER', 'The request body could not be read', { field: 'body' });
  if ((err as { statusCode?: number }).statusCode === 400) return new KasirError('INVALID_PARAMETER', 'The request could not be parsed', { field: 'request' });
  return err;
}
