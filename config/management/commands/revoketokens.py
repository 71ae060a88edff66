"""Revoke API tokens: one by its id (the first characters shown at creation), or all of a user's."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Revoke API tokens: by token id (--id) or every token of a user (--user)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--id", dest="token_key", help="The token id printed at creation.")
        group.add_argument("--user", dest="username")

    def handle(self, *args: Any, token_key: str | None, username: str | None, **options: Any):
        tokens = AuthToken.objects.all()
        if token_key:
            tokens = tokens.filter(token_key=token_key)
        else:
            tokens = tokens.filter(user__username=username)
        count, _ = tokens.delete()
        if not count:
            raise CommandError("No such token.")
        self.stdout.write(f"Revoked {count} token(s).")
