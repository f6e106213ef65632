-- The tables newsmine writes (newsmine --out sqlite:PATH), SQLite. The same
-- columns as docs/schema.sql; JSON columns are TEXT holding one JSON object
-- each (query them with json_extract). newsmine runs this file as it is when
-- it opens the database (the indexes, which come last, at the end of the
-- load: built in one sort, not entry by entry).

CREATE TABLE IF NOT EXISTS documents (
    id       TEXT PRIMARY KEY NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    text     TEXT,
    repaired INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS entities (
    id       TEXT NOT NULL,
    doc      TEXT NOT NULL,
    type     TEXT NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    text     TEXT NOT NULL,
    norm     TEXT NOT NULL,
    rule     TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS entities_doc ON entities (doc);
CREATE INDEX IF NOT EXISTS entities_type ON entities (type);
