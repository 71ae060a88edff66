"""Settings for the API benchmark's server: the project's, plus the bare baseline views."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
