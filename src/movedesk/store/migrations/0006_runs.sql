-- movedesk store, schema 6: the runs log of the scheduled market jobs (`movedesk run --market`, `schedule`).
-- One row per market session: the latest attempt. A session whose row is ok or partial has its edition
-- published; running, failed or no row at all means the scheduler still owes that run (it catches up).
CREATE TABLE IF NOT EXISTS runs (
    market VARCHAR NOT NULL,          -- us | hk | cn (data/markets.toml)
    session DATE NOT NULL,
    started TIMESTAMPTZ NOT NULL,
    finished TIMESTAMPTZ,
    status VARCHAR NOT NULL,          -- running | ok | partial | failed
    attempts INTEGER NOT NULL,
    detail JSON,                      -- edition slug, missing symbols, the error of a failed run
    PRIMARY KEY (market, session)
);
