"""System checks of the archive's settings."""

from __future__ import annotations

from sources.checks import check_archive_settings


def ids(settings) -> set[str]:
    return {problem.id for problem in check_archive_settings()}


def test_the_defaults_pass(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = []
    assert ids(settings) == set()


def test_a_malformed_allow_list_entry_is_an_error(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = ["127.0.0.1", "not-an-address"]
    assert ids(settings) == {"claimtrail.E001", "claimtrail.W001"}


def test_an_allow_list_warns_that_it_is_for_tests(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = ["127.0.0.1/32"]
    assert ids(settings) == {"claimtrail.W001"}


def test_a_visibility_timeout_shorter_than_a_task_can_hold_a_message_is_an_error(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 100}
    settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT = 120
    settings.CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY = 600
    assert ids(settings) == {"claimtrail.E002"}


def test_a_soft_limit_under_the_fetch_deadline_warns(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = []
    settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT = 10
    settings.CLAIMTRAIL_FETCH_DEADLINE = 60
    assert ids(settings) == {"claimtrail.W002"}


def test_a_soft_limit_not_below_the_hard_one_is_an_error(settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = []
    settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT = 120
    settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT = 120
    assert "claimtrail.E003" in ids(settings)
