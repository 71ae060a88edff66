"""The README's production settings pass `check --deploy`; CLAIMTRAIL_HTTPS does what it says."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_production_env() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Production settings", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)[1]
    env = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(\S+)$", block, re.M))
    assert "CLAIMTRAIL_HTTPS" in env and "DJANGO_SECRET_KEY" in env
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CLAIMTRAIL_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        args,
        cwd=ROOT,
        env={**base, "CLAIMTRAIL_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_readmes_production_settings(tmp_path):
    result = _run(
        tmp_path,
        _readme_production_env(),
        sys.executable,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_https(tmp_path):
    env = {**_readme_production_env(), "CLAIMTRAIL_HTTPS": "0"}

    result = _run(tmp_path, env, sys.executable, "manage.py", "check", "--deploy")

    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr


PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"redirect": s.SECURE_SSL_REDIRECT, "proxy": s.SECURE_PROXY_SSL_HEADER,
                  "session": s.SESSION_COOKIE_SECURE, "csrf": s.CSRF_COOKIE_SECURE,
                  "hsts": s.SECURE_HSTS_SECONDS, "sub": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
                  "preload": s.SECURE_HSTS_PRELOAD}))
"""


def test_claimtrail_https_turns_on_redirect_proxy_header_secure_cookies_and_hsts(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "x" * 60}

    off = _run(tmp_path, env, sys.executable, "-c", PROBE)
    on = _run(tmp_path, {**env, "CLAIMTRAIL_HTTPS": "1"}, sys.executable, "-c", PROBE)

    assert json.loads(off.stdout.splitlines()[-1]) == {
        "redirect": False,
        "proxy": None,
        "session": False,
        "csrf": False,
        "hsts": 0,
        "sub": False,
        "preload": False,
    }
    assert json.loads(on.stdout.splitlines()[-1]) == {
        "redirect": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "session": True,
        "csrf": True,
        "hsts": 31536000,
        "sub": False,
        "preload": False,
    }
