"""Prints every table of an Athar store as JSON: {table: [row, ...]}, each row as text,
sorted. An SQLite file is read with Python's own sqlite3 module; a PostgreSQL URL with
psql (each row as PostgreSQL writes a record). Usage: table_dump.py sqlite PATH | postgres URL"""
import json
import sqlite3
import subprocess
import sys

kind, where = sys.argv[1:3]
tables = {}
if kind == "sqlite":
    connection = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for name in names:
        rows = connection.execute(f'SELECT * FROM "{name}"').fetchall()
        tables[name] = sorted(repr(row) for row in rows)
else:
    def psql(sql):
        return subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, where],
                              check=True, capture_output=True, text=True).stdout
    names = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                 "AND tablename <> 'spatial_ref_sys'").split()
    for name in names:
        out = psql(f'SELECT t::text FROM "{name}" t')
        tables[name] = sorted(line for line in out.split("\n") if line)
print(json.dumps(tables))
