from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verification"

    def ready(self) -> None:
        from verification.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, sender=self)
