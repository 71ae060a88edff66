"""Create an API token for a user. The token is printed once; only its digest is stored."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from knox.models import AuthToken

from config.roles import user_role


class Command(BaseCommand):
    help = "Create an API token for a user and print it (once: only a digest is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Default: never expires."
        )

    def handle(self, *args: Any, username: str, expires_in_days: int | None, **options: Any):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        role = user_role(user)
        if role is None:
            raise CommandError(f"{username!r} has no newsroom role; the API would refuse it.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expiry = timedelta(days=expires_in_days) if expires_in_days else None
        instance, token = AuthToken.objects.create(user=user, expiry=expiry)
        self.stderr.write(
            f"Token for {username} ({role.label}), id {instance.token_key}, "
            f"{'expires ' + instance.expiry.isoformat() if instance.expiry else 'no expiry'}. "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(token)
