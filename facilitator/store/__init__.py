"""Where the records live: the tables, the database, its migrations and the audit trail.

`models` declares every table (SQLModel, times in UTC); `db` opens SQLite or PostgreSQL, applies
the Alembic revisions in `migrations/` and explains a database that cannot be used; `crypto`
encrypts a SQLite file at rest (SQLCipher); `audit` writes and reads the trail of who did what.
Everything else reads and writes records through these modules.
"""
