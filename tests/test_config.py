"""The embedded default database and the test network guard."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA foreign_keys")
    fks = cursor.fetchone()[0]
print(json.dumps({"engine": connection.vendor, "journal_mode": mode, "foreign_keys": fks,
                  "transaction_mode": connection.transaction_mode}))
"""


def test_without_database_url_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "CLAIMTRAIL_SQLITE_PATH": str(tmp_path / "probe.sqlite3"),
        "CLAIMTRAIL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe == {
        "engine": "sqlite",
        "journal_mode": "wal",
        "foreign_keys": 1,
        "transaction_mode": "IMMEDIATE",
    }


def test_secret_key_is_generated_once_and_reused(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "",
        "CLAIMTRAIL_VAR_DIR": str(tmp_path),
        "CLAIMTRAIL_SQLITE_PATH": str(tmp_path / "k.sqlite3"),
        "DATABASE_URL": "",
    }
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    cmd = [sys.executable, "-c", f"import django, os; django.setup(); {code}"]
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "192.168.1.1", "8.8.8.8"])
def test_the_suite_cannot_open_connections_outside_loopback(address):
    with (
        pytest.raises(SocketConnectBlockedError),
        socket.create_connection((address, 80), timeout=1),
    ):
        pass
