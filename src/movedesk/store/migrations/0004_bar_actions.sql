-- movedesk store, schema 4: corporate actions on bars. Bars keep the prices as traded; on an ex-date,
-- adj_ratio turns the raw close-to-close return into the adjusted (total) one:
--   r_adj = close * adj_ratio / prev_close - 1      (NULL: no action that session)
-- and action says what happened ("dividend 0.24", "split 2:1", "ex-rights 1.0123").
ALTER TABLE bars ADD COLUMN IF NOT EXISTS adj_ratio DOUBLE PRECISION;
ALTER TABLE bars ADD COLUMN IF NOT EXISTS action VARCHAR;
