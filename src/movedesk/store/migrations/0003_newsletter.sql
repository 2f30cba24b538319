-- movedesk store, schema 3: the newsletter (subscribers, watch-lists, one-time tokens, editions, send log).
CREATE TABLE IF NOT EXISTS subscribers (
    id VARCHAR PRIMARY KEY,
    email VARCHAR NOT NULL UNIQUE,
    status VARCHAR NOT NULL,          -- pending | active | unsubscribed
    frequency VARCHAR NOT NULL,       -- daily | instant | both
    created TIMESTAMPTZ NOT NULL,
    confirmed TIMESTAMPTZ,
    unsubscribed TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS watchlists (
    subscriber_id VARCHAR NOT NULL,
    company_id VARCHAR NOT NULL,
    PRIMARY KEY (subscriber_id, company_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    jti VARCHAR PRIMARY KEY,
    subscriber_id VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    used TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS editions (
    slug VARCHAR PRIMARY KEY,
    session DATE NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    payload JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS send_log (
    mailing VARCHAR NOT NULL,         -- edition slug or alert key
    subscriber_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- sending | sent | failed
    attempts INTEGER NOT NULL,
    message_id VARCHAR NOT NULL,
    updated TIMESTAMPTZ NOT NULL,
    error VARCHAR,
    PRIMARY KEY (mailing, subscriber_id)
);
