"""The Celery app. Redis is the broker when ``REDIS_URL`` is set; otherwise (the embedded
default of ``make run``) messages go through kombu's filesystem transport under ``var/queue``,
so a real worker process runs the jobs with nothing else installed.

The database row is the truth about every job; a message is only a nudge. Whatever a broker
loses (Redis down when a source was saved, a worker killed before acknowledging), the periodic
sweeper finds in the database and enqueues again.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("claimtrail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_queue_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport expects its folders to exist."""
    if not str(sender.conf.broker_url).startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(str(options[key]), exist_ok=True)
