"""Where the records live: the tables, the database, its migrations and the audit trail.

`models` declares every table (SQLModel, times in UTC); `engine` makes the engine for a SQLite or
PostgreSQL URL; `database` holds the process's `Database` and `open_database`; `schema` brings the
schema up to date with the Alembic revisions in `migrations/`; `failures` explains a database that
cannot be used; `crypto` encrypts a SQLite file at rest (SQLCipher); `audit` writes and reads the
trail of who did what. Everything else reads and writes records through these modules.
"""
