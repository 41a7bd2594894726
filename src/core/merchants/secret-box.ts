// Credentials are encrypted at rest with AES-256-GCM: the server must know native secrets to verify
// HMACs (and its own signing keys), so hashing is not an option; the key lives outside the database.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/db.ts';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new RangeError('the encryption key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

const CHECK_TEXT = 'kasir encryption key check';

/**
 * Whether `box` is the key this database's secrets are sealed with. The first key the database is
 * started with records a sealed check value (one row, first writer wins); every later start must
 * open it, and must open the newest stored credential too (databases from before the check value).
 * GCM's tag makes a wrong key fail, never decrypt to garbage. Checked at start: with the wrong key
 * the process would otherwise run and answer 500 to every authenticated request.
 */
export async function opensStoredSecrets(db: Queryable, box: SecretBox): Promise<boolean> {
  const { rows: creds } = await db.query<{ secret_enc: string }>(
    'SELECT secret_enc FROM credentials WHERE secret_enc IS NOT NULL ORDER BY created_at DESC LIMIT 1',
  );
  if (creds.length && !opens(box, creds[0].secret_enc)) return false;
  await db.query('INSERT INTO encryption_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [box.seal(CHECK_TEXT)]);
  const { rows } = await db.query<{ sealed: string }>('SELECT sealed FROM encryption_check WHERE id = 1');
  return opens(box, rows[0].sealed, CHECK_TEXT);
}

function opens(box: SecretBox, sealed: string, expected?: string): boolean {
  try {
    const text = box.open(sealed);
    return expected === undefined || text === expected;
  } catch {
    return false;
  }
}
