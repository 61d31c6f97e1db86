"""Backing up and restoring the database the settings point at.

SQLite: SQLite's online backup API copies a consistent snapshot while the product keeps running
(readers and the writer carry on; WAL pages are included). PostgreSQL: `pg_dump` in its custom
format (consistent within one transaction, compressed) and `pg_restore --clean`, which replaces
every table, sequence and trigger. Uploaded photos live in the media directory or object storage
and are backed up with it, not here (README, "Backup and restore").
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """What went wrong, in words an operator can act on."""


def _settings(alias: str) -> dict:
    return connections[alias].settings_dict


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def _pg_environment(db: dict) -> dict:
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[:2000]}")


def backup(target: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the database to `target` (a new file)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = _settings(alias)
    if vendor(alias) == "sqlite":
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(db["NAME"])
        destination = sqlite3.connect(partial)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        partial.replace(target)  # a crash mid-way never leaves a half file under the real name
        return target
    if vendor(alias) == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", db["NAME"]],
            _pg_environment(db),
        )
        return target
    raise BackupError(f"Backups of {vendor(alias)} databases are not supported.")


def older_than_newest(directory: Path, keep: int) -> list[Path]:
    """The backups `regulars backup` named in a directory, all but the newest `keep` (their
    names carry the time, so they sort by age; other files are never touched)."""
    ours = sorted(
        path
        for path in directory.glob("regulars-*")
        if path.suffix in (".sqlite3", ".dump") and path.is_file()
    )
    return ours[:-keep] if keep else []


def restore(source: Path, alias: str = "default") -> None:
    """Replace everything in the database with the backup in `source`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    head = source.open("rb").read(16)
    db = _settings(alias)
    connections[alias].close()
    if vendor(alias) == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} is not a SQLite backup.")
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(db["NAME"], timeout=30)
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    if vendor(alias) == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup.")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(source),
            ],
            _pg_environment(db),
        )
        return
    raise BackupError(f"Restoring {vendor(alias)} databases is not supported.")
