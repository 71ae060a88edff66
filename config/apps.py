from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class ProjectConfig(AppConfig):
    """The project package as an app: API token commands, the role cache's invalidation, and the
    ``__in_ids`` lookup."""

    name = "config"
    label = "claimtrail"
    verbose_name = "Claimtrail"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        import config.lookups  # noqa: F401 - registers the __in_ids lookup
        from config.roles import forget_cached_role

        m2m_changed.connect(
            forget_cached_role,
            sender=get_user_model().groups.through,
            dispatch_uid="claimtrail-forget-cached-role",
        )
