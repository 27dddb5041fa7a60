-- Annual commendation (年度表彰), issue 13.
--
-- The committee's adjustments to the candidate list before it decides: exclude a candidate the rule
-- proposes, or add a merchant it does not, each with a reason. They stay after the decision, as the
-- record of how it was reached, and can no longer change.
CREATE TABLE commendation_adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    year INTEGER NOT NULL,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    action TEXT NOT NULL CHECK (action IN ('exclude', 'include')),
    -- For 'include': the level the committee gives.
    level TEXT,
    reason TEXT NOT NULL,
    made_by INTEGER REFERENCES users (id),
    made_at TIMESTAMP NOT NULL,
    UNIQUE (year, merchant_id)
);

-- The decision (表彰决定): numbered, dated, immutable. One per calendar year.
CREATE TABLE commendation_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    year INTEGER NOT NULL UNIQUE,
    -- 共治表〔decided year〕seq号: seq counts the decisions made in the calendar year of decided_on.
    number TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    decided_on DATE NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    policy_version TEXT NOT NULL,
    note TEXT NOT NULL
);

-- One commended merchant of a decision. Names are kept as they were on the day of the decision.
-- Only the revocation columns may change, once, from empty to set.
CREATE TABLE commendations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    decision_id INTEGER NOT NULL REFERENCES commendation_decisions (id),
    year INTEGER NOT NULL,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    merchant_name TEXT NOT NULL,
    category TEXT NOT NULL,
    area TEXT NOT NULL,
    level TEXT NOT NULL,
    level_rank INTEGER NOT NULL,
    level_name_zh TEXT NOT NULL,
    level_name_en TEXT NOT NULL,
    reward_fen BIGINT NOT NULL DEFAULT 0,
    reward_id INTEGER REFERENCES rewards (id),
    -- The explanation, criterion by criterion, as JSON (codes and numbers, no sentences).
    criteria TEXT NOT NULL,
    -- Set when the committee added the merchant against the rule's proposal.
    committee_reason TEXT,
    revoked_on DATE,
    -- JSON code and arguments, e.g. {"code":"serious_violation","violation_id":3,"found_on":"2026-03-02"}.
    revoked_reason TEXT,
    UNIQUE (year, merchant_id)
);
CREATE INDEX commendations_merchant_idx ON commendations (merchant_id);
CREATE INDEX commendations_decision_idx ON commendations (decision_id);
CREATE INDEX commendations_reward_idx ON commendations (reward_id);
CREATE INDEX commendation_adjustments_merchant_idx ON commendation_adjustments (merchant_id);
CREATE INDEX commendation_adjustments_made_by_idx ON commendation_adjustments (made_by);
CREATE INDEX commendation_decisions_decided_by_idx ON commendation_decisions (decided_by);
CREATE INDEX commendations_open_idx ON commendations (year, revoked_on);

CREATE TRIGGER commendation_decisions_no_update BEFORE UPDATE ON commendation_decisions
BEGIN SELECT RAISE(ABORT, 'commendation decisions are immutable'); END;
CREATE TRIGGER commendation_decisions_no_delete BEFORE DELETE ON commendation_decisions
BEGIN SELECT RAISE(ABORT, 'commendation decisions are immutable'); END;
CREATE TRIGGER commendations_no_delete BEFORE DELETE ON commendations
BEGIN SELECT RAISE(ABORT, 'commendation decisions are immutable'); END;
CREATE TRIGGER commendations_only_revoke BEFORE UPDATE ON commendations
WHEN OLD.revoked_on IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.decision_id IS NOT OLD.decision_id OR NEW.year IS NOT OLD.year
  OR NEW.merchant_id IS NOT OLD.merchant_id OR NEW.merchant_name IS NOT OLD.merchant_name
  OR NEW.category IS NOT OLD.category OR NEW.area IS NOT OLD.area OR NEW.level IS NOT OLD.level
  OR NEW.level_rank IS NOT OLD.level_rank OR NEW.level_name_zh IS NOT OLD.level_name_zh
  OR NEW.level_name_en IS NOT OLD.level_name_en OR NEW.reward_fen IS NOT OLD.reward_fen
  OR NEW.reward_id IS NOT OLD.reward_id OR NEW.criteria IS NOT OLD.criteria
  OR NEW.committee_reason IS NOT OLD.committee_reason
BEGIN SELECT RAISE(ABORT, 'commendation decisions are immutable'); END;
-- Adjustments are frozen once the year is decided.
CREATE TRIGGER commendation_adjustments_frozen_ins BEFORE INSERT ON commendation_adjustments
WHEN EXISTS (SELECT 1 FROM commendation_decisions WHERE year = NEW.year)
BEGIN SELECT RAISE(ABORT, 'the year is decided'); END;
CREATE TRIGGER commendation_adjustments_frozen_upd BEFORE UPDATE ON commendation_adjustments
WHEN EXISTS (SELECT 1 FROM commendation_decisions WHERE year = OLD.year)
BEGIN SELECT RAISE(ABORT, 'the year is decided'); END;
CREATE TRIGGER commendation_adjustments_frozen_del BEFORE DELETE ON commendation_adjustments
WHEN EXISTS (SELECT 1 FROM commendation_decisions WHERE year = OLD.year)
BEGIN SELECT RAISE(ABORT, 'the year is decided'); END;
