"""The database: engine and sessions, tables, the SQLite writer lock, migrations."""
