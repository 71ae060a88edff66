"""Load the demo newsroom (idempotent) and print the demo sign-ins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.newsroom import ADMIN_URL, DEMO_PASSWORD_ENV, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo newsroom built from the seed reports, once; a second run changes nothing. "
        f"Demo users' password: ${DEMO_PASSWORD_ENV}, or 'claimtrail-demo'."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_load()
        self.stdout.write(self.style.SUCCESS(result.summary))
        self.stdout.write(f"Sign in at {ADMIN_URL}")
        for user in DEMO_USERS:
            kept = " (existed before: password left as it was)"
            kept = kept if user.username in result.kept_users else ""
            self.stdout.write(f"  {user.username:<8} {user.description}{kept}")
        when = "" if result.created else " (as of the first load, when the users were created)"
        self.stdout.write(f"  password for each: {result.password}{when}")
