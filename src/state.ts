// Secrets the operator did not configure are generated once and kept in KASIR_STATE_DIR (mode 0600),
// so restarts keep the same admin token and encryption key, and the CLI can find the token.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface StateSecret {
  value: string;
  generated: boolean;
}

export function stateSecret(dir: string, name: string, configured: string | undefined, make: () => string): StateSecret {
  if (configured) return { value: configured, generated: false };
  const file = join(dir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, generated: true };
}

export const newAdminToken = () => 'kat_' + randomBytes(24).toString('base64url');
export const newEncryptionKey = () => randomBytes(32).toString('base64');
export const ADMIN_TOKEN_FILE = 'admin-token';
