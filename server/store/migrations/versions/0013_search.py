"""Search and history: a full-text index over chat messages (notes too),
ticket subjects and descriptions, and ticket replies.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

SQLite: one FTS5 table, `search_fts`, holding its own copy of the text
with the key of the row it came from in UNINDEXED columns, kept in step by
triggers on `messages`, `tickets` and `ticket_replies`. Not an
external-content table: those tables have no INTEGER PRIMARY KEY, so their
rowids may change on VACUUM and an index keyed by rowid would silently
point at the wrong rows. The tokenizer is unicode61, case folded, accents
kept and no stemming: the same words as PostgreSQL's `simple` below.

PostgreSQL: GIN indexes on `to_tsvector('simple', ...)` expressions; the
`simple` configuration lowercases and does not stem, so a French, German
or Spanish word is found as typed (what the SQLite side does too).

The rows stored before this revision are indexed by it.
"""
from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SQLITE_UP = (
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        body, kind UNINDEXED, chat_id UNINDEXED, ticket_id UNINDEXED, ref UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 0')""",
    # messages: kind 'message', ref = seq
    """CREATE TRIGGER search_messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        VALUES (new.text, 'message', new.chat_id, NULL, new.seq);
    END""",
    """CREATE TRIGGER search_messages_au AFTER UPDATE OF text ON messages BEGIN
        UPDATE search_fts SET body = new.text
        WHERE kind = 'message' AND chat_id = old.chat_id AND ref = old.seq;
    END""",
    """CREATE TRIGGER search_messages_ad AFTER DELETE ON messages BEGIN
        DELETE FROM search_fts WHERE kind = 'message' AND chat_id = old.chat_id AND ref = old.seq;
    END""",
    # tickets: kind 'ticket', the subject and the description
    """CREATE TRIGGER search_tickets_ai AFTER INSERT ON tickets BEGIN
        INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        VALUES (new.subject || char(10) || new.description, 'ticket', NULL, new.id, NULL);
    END""",
    """CREATE TRIGGER search_tickets_au AFTER UPDATE OF subject, description ON tickets BEGIN
        UPDATE search_fts SET body = new.subject || char(10) || new.description
        WHERE kind = 'ticket' AND ticket_id = old.id;
    END""",
    """CREATE TRIGGER search_tickets_ad AFTER DELETE ON tickets BEGIN
        DELETE FROM search_fts WHERE kind = 'ticket' AND ticket_id = old.id;
    END""",
    # ticket replies: kind 'reply', ref = the reply's id
    """CREATE TRIGGER search_replies_ai AFTER INSERT ON ticket_replies BEGIN
        INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        VALUES (new.text, 'reply', NULL, new.ticket_id, new.id);
    END""",
    """CREATE TRIGGER search_replies_au AFTER UPDATE OF text ON ticket_replies BEGIN
        UPDATE search_fts SET body = new.text WHERE kind = 'reply' AND ref = old.id;
    END""",
    """CREATE TRIGGER search_replies_ad AFTER DELETE ON ticket_replies BEGIN
        DELETE FROM search_fts WHERE kind = 'reply' AND ref = old.id;
    END""",
    # what was stored before this revision
    """INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        SELECT text, 'message', chat_id, NULL, seq FROM messages""",
    """INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        SELECT subject || char(10) || description, 'ticket', NULL, id, NULL FROM tickets""",
    """INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref)
        SELECT text, 'reply', NULL, ticket_id, id FROM ticket_replies""",
)
SQLITE_TRIGGERS = ("search_messages_ai", "search_messages_au", "search_messages_ad",
                   "search_tickets_ai", "search_tickets_au", "search_tickets_ad",
                   "search_replies_ai", "search_replies_au", "search_replies_ad")

# The expressions must be the ones server/store/search.py queries with, or
# the planner will not use the indexes.
POSTGRESQL_UP = (
    "CREATE INDEX ix_messages_search ON messages USING gin (to_tsvector('simple', text))",
    "CREATE INDEX ix_tickets_search ON tickets "
    "USING gin (to_tsvector('simple', subject || ' ' || description))",
    "CREATE INDEX ix_ticket_replies_search ON ticket_replies USING gin (to_tsvector('simple', text))",
)
POSTGRESQL_INDEXES = ("ix_messages_search", "ix_tickets_search", "ix_ticket_replies_search")


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        return
    for index in POSTGRESQL_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
