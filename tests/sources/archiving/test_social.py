"""Social posts are captured in the form that carries their text: Telegram's embed view of a post,
X's oEmbed answer. Served from loopback by fixtures that mimic the real responses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sources.archiving.extract import extract
from sources.archiving.services import CaptureRetry, snapshot_capture
from sources.archiving.social import capture_plan
from sources.models import Snapshot, Source
from sources.services import source_create
from tests import netlab
from tests.netlab import LabServer
from tests.sources.archiving.warc_checks import assert_warc_valid, warc_records

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "capture"
TELEGRAM_EMBED = (FIXTURES / "telegram_embed.html").read_bytes()
TELEGRAM_SHELL = (FIXTURES / "telegram_shell.html").read_bytes()
X_OEMBED = (FIXTURES / "x_oembed.json").read_bytes()
X_SHELL = (FIXTURES / "x_shell.html").read_bytes()
POST_TEXT = "Позывные «Спрайт» и «Кола»"
TWEET_TEXT = "Two Chinese mercenaries fighting on Russia's side are dead"
TWEET_URL = "https://twitter.com/ps01_osint/status/1909943554144088283"


@pytest.fixture
def lab(fetch_allowed, settings) -> Iterator[LabServer]:
    with LabServer() as server:
        settings.CLAIMTRAIL_TELEGRAM_EMBED_ORIGIN = server.origin
        settings.CLAIMTRAIL_X_OEMBED_ENDPOINT = server.url("/oembed")
        yield server


def capture(actor, url: str) -> Snapshot:
    source = source_create(actor=actor, kind="social_post", url=url)
    try:
        snapshot = snapshot_capture(snapshot_id=source.snapshots.get().pk)
    except CaptureRetry as retry:
        snapshot = retry.snapshot
    assert snapshot.status == Snapshot.Status.ARCHIVED, (
        snapshot.error_code,
        snapshot.error_message,
    )
    assert_warc_valid(snapshot.warc.path)
    return snapshot


# --- Telegram -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://t.me/ZOVNovoshakhtinsk/2841",
        "https://t.me/s/ZOVNovoshakhtinsk/2841",
        "https://telegram.me/ZOVNovoshakhtinsk/2841?single",
        "http://www.t.me/ZOVNovoshakhtinsk/2841/",
    ],
)
def test_a_telegram_post_is_captured_as_its_embed_view(viewer, lab, url):
    lab.route("/zovnovoshakhtinsk/2841", netlab.html(TELEGRAM_EMBED))

    snapshot = capture(viewer, url)

    assert snapshot.form == Snapshot.Form.TELEGRAM_EMBED
    assert snapshot.url == url
    assert snapshot.fetch_url == lab.url("/zovnovoshakhtinsk/2841?embed=1&mode=tme")
    assert snapshot.final_url == snapshot.fetch_url
    [(method, target, _)] = lab.requests
    assert method == "GET"
    assert parse_qs(urlsplit(target).query) == {"embed": ["1"], "mode": ["tme"]}
    assert POST_TEXT in snapshot.text
    assert snapshot.author == "ZOV Новошахтинск"
    assert snapshot.published_at == datetime(2025, 4, 9, 7, 41, 26, tzinfo=UTC)
    assert snapshot.title.startswith("ZOV Новошахтинск: Прощаемся")
    source = Source.objects.get(pk=snapshot.source_id)
    assert (source.author, source.published_at) == (snapshot.author, snapshot.published_at)
    assert source.title == snapshot.title
    records = warc_records(snapshot.warc.path)
    assert records[0].payload.find(b"telegram_embed") != -1  # the warcinfo names the form
    assert records[1].payload == TELEGRAM_EMBED


def test_the_plain_page_of_a_telegram_post_has_no_post_text():
    """The control: what a plain GET of the post returns carries none of the post."""
    found = extract(form=Snapshot.Form.PAGE, mime_type="text/html", body=TELEGRAM_SHELL)

    assert "Спрайт" not in found.text
    assert "китайскими" not in found.text
    assert found.published_at is None


def test_a_telegram_embed_served_as_a_shell_is_archived_without_text(viewer, lab):
    lab.route("/zovnovoshakhtinsk/2841", netlab.html(TELEGRAM_SHELL))

    snapshot = capture(viewer, "https://t.me/ZOVNovoshakhtinsk/2841")

    assert snapshot.form == Snapshot.Form.TELEGRAM_EMBED
    assert (snapshot.text, snapshot.author) == ("", "")


def test_a_telegram_channel_page_is_captured_as_a_page(viewer, lab, dns):
    dns["t.me"] = ["127.0.0.1"]
    lab.route("/ZOVNovoshakhtinsk", netlab.html(TELEGRAM_SHELL))
    url = f"http://t.me:{lab.port}/ZOVNovoshakhtinsk"

    snapshot = capture(viewer, url)

    assert snapshot.form == Snapshot.Form.PAGE
    assert snapshot.fetch_url == url
    assert [target for _, target, _ in lab.requests] == ["/ZOVNovoshakhtinsk"]


# --- X --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/PS01_osint/status/1909943554144088283",
        "https://twitter.com/PS01_osint/status/1909943554144088283?s=20",
        "https://mobile.twitter.com/PS01_osint/status/1909943554144088283",
        "https://www.x.com/PS01_osint/status/1909943554144088283/photo/1",
    ],
)
def test_an_x_post_is_captured_as_its_oembed_answer(viewer, lab, url):
    lab.route("/oembed", netlab.body(X_OEMBED, "application/json; charset=utf-8"))

    snapshot = capture(viewer, url)

    assert snapshot.form == Snapshot.Form.X_OEMBED
    assert snapshot.url == url
    [(method, target, _)] = lab.requests
    path, _, query = target.partition("?")
    assert (method, path) == ("GET", "/oembed")
    sent = parse_qs(query)
    assert sent["url"] == [TWEET_URL]
    assert sent["omit_script"] == ["1"]
    assert snapshot.fetch_url == lab.url(target)
    assert TWEET_TEXT in snapshot.text
    assert snapshot.author == "PS01△"
    assert snapshot.published_at.date() == date(2025, 4, 9)
    assert snapshot.title.startswith("PS01△: Two Chinese mercenaries")
    source = Source.objects.get(pk=snapshot.source_id)
    assert (source.author, source.title) == ("PS01△", snapshot.title)
    assert warc_records(snapshot.warc.path)[1].payload == X_OEMBED


def test_an_x_profile_is_captured_as_a_page(viewer, lab, dns):
    dns["x.com"] = ["127.0.0.1"]
    lab.route("/PS01_osint", netlab.html(X_SHELL))
    url = f"http://x.com:{lab.port}/PS01_osint"

    snapshot = capture(viewer, url)

    assert snapshot.form == Snapshot.Form.PAGE
    assert snapshot.fetch_url == url
    assert [target for _, target, _ in lab.requests] == ["/PS01_osint"]
    assert TWEET_TEXT not in snapshot.text


def test_the_plain_page_of_an_x_post_has_no_post_text():
    found = extract(form=Snapshot.Form.PAGE, mime_type="text/html", body=X_SHELL)

    assert "mercenaries" not in found.text


def test_a_deleted_x_post_fails_with_the_oembed_status(viewer, lab):
    lab.route("/oembed", netlab.status(404, b'{"error":"not found"}', content_type="text/json"))
    source = source_create(
        actor=viewer, kind="social_post", url="https://x.com/PS01_osint/status/1"
    )

    snapshot = snapshot_capture(snapshot_id=source.snapshots.get().pk)

    assert (snapshot.status, snapshot.error_code) == (Snapshot.Status.FAILED, "http_404")
    assert snapshot.form == Snapshot.Form.X_OEMBED
    assert_warc_valid(snapshot.warc.path)


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("https://t.me/somechannel/12", Snapshot.Form.TELEGRAM_EMBED),
        ("https://t.me/somechannel", Snapshot.Form.PAGE),
        ("https://t.me/+AbCdEf123", Snapshot.Form.PAGE),
        ("https://t.me/joinchat/AbCdEf", Snapshot.Form.PAGE),
        ("https://x.com/someone/status/123", Snapshot.Form.X_OEMBED),
        ("https://x.com/someone/statuses/123", Snapshot.Form.X_OEMBED),
        ("https://x.com/i/web/status/123", Snapshot.Form.PAGE),
        ("https://x.com/someone", Snapshot.Form.PAGE),
        ("https://x.com/search?q=status", Snapshot.Form.PAGE),
        ("https://news.example/someone/status/123", Snapshot.Form.PAGE),
        ("https://t.me.evil.example/channel/12", Snapshot.Form.PAGE),
    ],
)
def test_capture_plan_picks_the_form_by_url(url, form):
    assert capture_plan(url).form == form
