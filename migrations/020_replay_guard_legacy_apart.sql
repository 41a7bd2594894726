-- Migration 019 kept the entries it found (no signed_at) in native_replay_guard, behind a partial
-- index, and every native request probed that table for them. A prepared statement whose plan was
-- made while the table was small kept that plan: a sequential scan of the whole table on every
-- request, which grows with ten minutes of traffic. PGlite never re-plans it (no autovacuum, one
-- connection for the process's life); the bench measured the database's CPU per cancel doubled.
-- Those entries now live in a table of their own that nothing inserts into: the probe reads at most
-- what was there at this migration, which the prune job empties within ten minutes.
-- The partial index of migration 019 goes first: the new table takes its name.
DROP INDEX native_replay_guard_legacy;
CREATE TABLE native_replay_guard_legacy (
  digest bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
INSERT INTO native_replay_guard_legacy (digest, expires_at)
  SELECT digest, expires_at FROM native_replay_guard WHERE signed_at IS NULL;
DELETE FROM native_replay_guard WHERE signed_at IS NULL;
ALTER TABLE native_replay_guard ALTER COLUMN signed_at SET NOT NULL;
