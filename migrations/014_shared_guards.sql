-- The native replay guard and the per-merchant rate limit move from process memory to the
-- database, so every Kasir process on it enforces them together (and a restart forgets nothing).

-- Native signatures already accepted (src/dialects/native/auth.ts ReplayGuard). The digest is the
-- SHA-256 of "<X-API-Key>:<X-Timestamp>:<signature hex>": 32 bytes whatever the key's length.
-- A row is live until expires_at (acceptance + 2 × the ±300 s tolerance, when the timestamp can no
-- longer be accepted anyway); src/core/jobs/prune-guards.ts deletes it after that. Logged, unlike
-- rate_windows: a database crash must not reopen the replay window of the last ten minutes.
CREATE TABLE native_replay_guard (
  digest bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX native_replay_guard_expiry ON native_replay_guard (expires_at);

-- Requests counted per key (a merchant id) and one-second window (epoch seconds on Kasir's clock),
-- src/http/rate-limit.ts. second leads the primary key so the prune job deletes passed windows by a
-- range of it. UNLOGGED: no WAL flush per request; a database crash empties it, which only forgets
-- the counts of the current second.
CREATE UNLOGGED TABLE rate_windows (
  second bigint NOT NULL,
  key text NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (second, key)
);
