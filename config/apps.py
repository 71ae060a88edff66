import gc

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import m2m_changed


class ProjectConfig(AppConfig):
    """The project package as an app: API token commands, the role cache's invalidation, and the
    ``__in_ids`` lookup, and the garbage collector told to leave the start-up heap alone."""

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
        if settings.CLAIMTRAIL_GC_FREEZE:
            # Everything loaded so far (modules, models, settings) lives as long as the process;
            # a full collection walking it cost ~75 ms on the desk's box, once every ten or so
            # large pages (bench/reads.py: the 200-row claim page's p95). Frozen, it is not
            # walked, and forked workers share its pages instead of copying them.
            gc.freeze()
