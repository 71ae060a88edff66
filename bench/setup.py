"""A throw-away PostgreSQL database for benchmarks: created, migrated, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg


@contextmanager
def bench_database(name: str = "claimtrail_bench") -> Iterator[None]:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/claimtrail"
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
