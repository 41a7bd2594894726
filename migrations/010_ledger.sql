-- Double-entry ledger (docs/architecture.md, ledger). Every journal's entries sum to zero per currency; balances
-- are kept per account and currency, and merchant accounts can never go negative: the CHECK below
-- is the last line of defence behind the guarded UPDATE in core/ledger/journal.ts.

CREATE TABLE journals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id uuid NOT NULL,
  -- NULL for merchant-level movements (payouts).
  payment_id uuid,
  kind text NOT NULL,
  currency text NOT NULL,
  memo text,
  at timestamptz NOT NULL
);
CREATE INDEX journals_payment ON journals (payment_id, id);
CREATE INDEX journals_merchant ON journals (merchant_id, id);

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  journal_id bigint NOT NULL REFERENCES journals (id),
  account text NOT NULL,
  currency text NOT NULL,
  amount bigint NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_entries_journal ON ledger_entries (journal_id);

CREATE TABLE balances (
  account text NOT NULL,
  currency text NOT NULL,
  balance bigint NOT NULL,
  PRIMARY KEY (account, currency),
  CHECK (balance >= 0 OR account LIKE 'external:%')
);

-- Settlement moves a payment's net captured funds from pending to available once, after a delay.
ALTER TABLE payments ADD COLUMN settled_at timestamptz;
CREATE INDEX payments_unsettled ON payments (succeeded_at) WHERE settled_at IS NULL AND succeeded_at IS NOT NULL
