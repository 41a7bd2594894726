-- native_replay_guard was keyed by the signature's digest alone: a random key, so every native
-- request inserted into a random page of the index. Once the table held a busy window of entries
-- (hundreds of thousands), each insert dirtied a page of its own and wrote it whole to the WAL after
-- every checkpoint: the bench measured 6.4 kB of WAL per cancel instead of 1.9 kB, and the cancel
-- at 1,000,000 stored payments at 0.58 of its rate on an empty database.
--
-- The key now leads with the signed X-Timestamp, which a replay cannot change (the signature covers
-- it) and which stays within the tolerance of the clock: inserts land on the newest pages. The
-- digest covers the timestamp too, so (signed_at, digest) is unique exactly when the digest is.
-- Entries remembered before this migration have no signed_at: they stay guarded by a small partial
-- unique index on their digest until they expire and are pruned.
ALTER TABLE native_replay_guard ADD COLUMN signed_at timestamptz;
ALTER TABLE native_replay_guard DROP CONSTRAINT native_replay_guard_pkey;
CREATE UNIQUE INDEX native_replay_guard_key ON native_replay_guard (signed_at, digest);
CREATE UNIQUE INDEX native_replay_guard_legacy ON native_replay_guard (digest) WHERE signed_at IS NULL;
