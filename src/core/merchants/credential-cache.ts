// Authentication runs on every request: cache credential look-ups briefly so the hot path does not
// pay a query (and a decryption) per request. Admin changes invalidate at once in this process; the
// short TTL bounds staleness for other processes sharing the database.
import { findCredential, type CredentialRecord, type MerchantDeps } from './merchants.ts';

export interface CredentialCache {
  get(dialect: string, keyId: string): Promise<CredentialRecord | null>;
  invalidate(): void;
}

export function createCredentialCache(deps: MerchantDeps, ttlMs = 5_000, maxEntries = 10_000): CredentialCache {
  const entries = new Map<string, { at: number; value: Promise<CredentialRecord | null> }>();
  return {
    get(dialect, keyId) {
      const k = `${dialect}\u0000${keyId}`;
      const hit = entries.get(k);
      const now = Date.now(); // wall time: cache freshness is about real time, not the business clock
      if (hit && now - hit.at < ttlMs) return hit.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = findCredential(deps, dialect, keyId);
      entries.set(k, { at: now, value });
      value.catch(() => entries.delete(k));
      return value;
    },
    invalidate: () => entries.clear(),
  };
}
