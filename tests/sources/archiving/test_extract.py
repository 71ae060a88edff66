"""Extraction on the fixture documents, and on hostile ones: never an exception, never unbounded."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from config.validation import reject_control_characters
from sources.archiving.extract import MAX_TEXT_CHARS, Extracted, charset_of, extract
from sources.models import SnapshotForm

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "capture"
PAGE, TELEGRAM, X, UPLOAD = (
    SnapshotForm.PAGE,
    SnapshotForm.TELEGRAM_EMBED,
    SnapshotForm.X_OEMBED,
    SnapshotForm.UPLOAD,
)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def assert_storable(found: Extracted) -> None:
    """What Source fields would accept without a full_clean: no control characters."""
    for value in (found.title, found.author):
        reject_control_characters(value)
    reject_control_characters(found.text.replace("\r", ""))
    found.text.encode("utf-8")  # no lone surrogates
    assert len(found.title) <= 500 and len(found.author) <= 300
    assert len(found.text) <= MAX_TEXT_CHARS


# --- The fixtures ---------------------------------------------------------------------------------


def test_a_news_article_yields_its_metadata_and_main_text_only():
    expected = json.loads(fixture_bytes("article.expected.json"))

    found = extract(
        form=PAGE, mime_type="text/html", body=fixture_bytes("article.html"), url=expected["url"]
    )

    assert found.title == expected["title"]
    assert found.author == expected["author"]
    assert found.published_at.date() == date.fromisoformat(expected["date"])
    assert found.published_at.tzinfo is not None
    for phrase in expected["must_contain"]:
        assert phrase in found.text
    for phrase in expected["must_not_contain"]:
        assert phrase not in found.text


def test_html_without_a_declared_type_is_read_as_html():
    found = extract(form=PAGE, mime_type="", body=fixture_bytes("article.html"))

    assert found.author == "Clara Whitfield"


def test_a_pdf_yields_its_info_and_text():
    found = extract(form=PAGE, mime_type="application/pdf", body=fixture_bytes("report.pdf"))

    assert found.title == "Verification note: reported deaths of two Chinese volunteers"
    assert found.author == "Claimtrail Verification Desk"
    assert found.published_at.date() == date(2025, 4, 10)
    assert "Sprite and Cola" in found.text


def test_a_pdf_is_recognised_by_its_signature_whatever_the_declared_type():
    found = extract(
        form=PAGE, mime_type="application/octet-stream", body=fixture_bytes("report.pdf")
    )

    assert "Sprite and Cola" in found.text


def test_a_telegram_embed_yields_channel_time_and_text_with_line_breaks():
    found = extract(form=TELEGRAM, mime_type="text/html", body=fixture_bytes("telegram_embed.html"))

    assert found.author == "ZOV Новошахтинск"
    assert found.published_at == datetime(2025, 4, 9, 7, 41, 26, tzinfo=UTC)
    first_line = "Прощаемся с нашими китайскими братьями."  # noqa: RUF001
    assert found.text.startswith(first_line + "\n\nПозывные")  # noqa: RUF001
    assert found.title == f"ZOV Новошахтинск: {first_line}"


def test_an_x_oembed_answer_yields_author_date_and_text():
    found = extract(form=X, mime_type="application/json", body=fixture_bytes("x_oembed.json"))

    assert found.author == "PS01△"
    assert found.published_at.date() == date(2025, 4, 9)
    assert "Two Chinese mercenaries fighting on Russia's side are dead" in found.text
    assert "widgets.js" not in found.text


def test_an_image_yields_nothing():
    assert extract(form=PAGE, mime_type="image/png", body=fixture_bytes("pixel.png")) == Extracted()


def test_json_and_plain_text_are_kept_as_text():
    data = fixture_bytes("data.json")

    assert extract(form=PAGE, mime_type="application/json", body=data).text == data.decode().strip()
    assert extract(form=UPLOAD, mime_type="text/plain", body=b"  a note \n").text == "a note"


def test_plain_text_is_decoded_by_its_declared_charset():
    body = "Заявление министерства".encode("koi8-r")

    assert extract(form=PAGE, mime_type="text/plain", body=body, charset="koi8-r").text == (
        "Заявление министерства"
    )
    assert "\ufffd" in extract(form=PAGE, mime_type="text/plain", body=body).text


def test_html_is_decoded_by_the_declared_charset_before_its_own_guess():
    text = "Канал сообщил, что двое иностранных бойцов погибли в регионе."
    body = f"<html><head><title>Сообщение</title></head><body><p>{text}</p></body></html>"

    found = extract(
        form=PAGE, mime_type="text/html", body=body.encode("cp1251"), charset="windows-1251"
    )

    assert (found.title, found.text) == ("Сообщение", text)


def test_an_unknown_declared_charset_falls_back_to_detection():
    found = extract(
        form=PAGE,
        mime_type="text/html",
        body=fixture_bytes("article.html"),
        charset="x-no-such-charset",
    )

    assert found.author == "Clara Whitfield"


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ('text/html; Charset="windows-1251"', "cp1251"),
        ("text/html;charset=koi8-r;foo=bar", "koi8-r"),
        ("text/html", ""),
        ("text/html; charset=", ""),
        ("text/html; charset=rot13-nonsense", ""),
        ("", ""),
    ],
)
def test_charset_of_reads_the_content_type_parameter(content_type, charset):
    assert charset_of(content_type) == charset


# --- E-mail ---------------------------------------------------------------------------------------


def test_an_email_yields_subject_sender_date_and_body():
    message = (
        b"From: Press Office <press@ministry.example>\r\n"
        b"To: desk@newsroom.example\r\n"
        b"Subject: =?utf-8?q?Re=3A_Request_for_comment_=E2=80=94_volunteers?=\r\n"
        b"Date: Thu, 10 Apr 2025 14:05:00 +0300\r\n"
        b"Content-Type: text/plain; charset=iso-8859-5\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Мы не комментируем.\r\nThe ministry does not comment.\r\n".encode("iso-8859-5")
    )

    found = extract(form=UPLOAD, mime_type="message/rfc822", body=message)

    assert found.title == "Re: Request for comment — volunteers"
    assert found.author == "Press Office <press@ministry.example>"
    assert found.published_at == datetime(2025, 4, 10, 11, 5, tzinfo=UTC)
    assert "Мы не комментируем." in found.text
    assert "does not comment" in found.text


def test_an_html_only_email_yields_its_text_not_its_markup():
    message = (
        b"From: a@b.example\r\nSubject: Note\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Confirmed by <b>two</b> sources.</p><script>x()</script></body></html>"
    )

    found = extract(form=UPLOAD, mime_type="message/rfc822", body=message)

    assert "Confirmed by two sources." in found.text
    assert "<p>" not in found.text


# --- Hostile input --------------------------------------------------------------------------------

KINDS = [
    (PAGE, "text/html"),
    (PAGE, ""),
    (PAGE, "application/pdf"),
    (PAGE, "application/json"),
    (PAGE, "text/plain"),
    (PAGE, "image/png"),
    (TELEGRAM, "text/html"),
    (X, "application/json"),
    (UPLOAD, "message/rfc822"),
]
GARBAGE = random.Random(4).randbytes(64 * 1024)


@pytest.mark.parametrize(("form", "mime_type"), KINDS)
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00",
        b"<",
        b"%PDF-",
        GARBAGE,
        b"%PDF-1.4\n" + GARBAGE,
        b"<html>" + GARBAGE,
        b"\xef\xbb\xbf\xff\xfe\x00<html><p>bom soup</p>",
        b"[1, 2, 3]",
        b'{"html": 5, "author_name": ["x"]}',
        b'{"html": "<blockquote><p>unclosed',
        b"null",
    ],
    ids=lambda b: repr(b[:12]),
)
def test_hostile_bodies_never_raise(form, mime_type, body):
    found = extract(form=form, mime_type=mime_type, body=body)

    assert isinstance(found, Extracted)
    assert_storable(found)


def test_an_empty_body_yields_nothing():
    assert extract(form=PAGE, mime_type="text/html", body=b"") == Extracted()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_pdf_never_raises(cut):
    pdf = fixture_bytes("report.pdf")

    found = extract(form=PAGE, mime_type="application/pdf", body=pdf[: int(len(pdf) * cut)])

    assert_storable(found)


def test_a_pdf_with_a_corrupt_body_never_raises():
    pdf = fixture_bytes("report.pdf")
    middle = len(pdf) // 2
    corrupt = pdf[:middle] + GARBAGE[:500] + pdf[middle + 500 :]

    assert_storable(extract(form=PAGE, mime_type="application/pdf", body=corrupt))


@pytest.mark.parametrize(
    "author", [b"(Claimtrail\\007 Desk\\177)", b"(Claimtrail\\000 Desk)", b"(\\000\\000)"]
)
def test_a_pdf_whose_info_holds_control_characters_yields_storable_fields(author):
    pdf = fixture_bytes("report.pdf").replace(b"(Claimtrail Verification Desk)", author)

    found = extract(form=PAGE, mime_type="application/pdf", body=pdf)

    assert_storable(found)
    assert "Sprite and Cola" in found.text


@pytest.mark.parametrize("depth", [1_000, 200_000])
def test_deeply_nested_html_never_raises(depth):
    body = (
        b"<html><body>" + b"<div><span>" * depth + b"<p>deep words</p>" + b"</span></div>" * depth
    )

    assert_storable(extract(form=PAGE, mime_type="text/html", body=body))
    assert_storable(extract(form=TELEGRAM, mime_type="text/html", body=body))


def test_deeply_nested_json_never_raises():
    body = b"[" * 100_000 + b"]" * 100_000

    assert extract(form=X, mime_type="application/json", body=body) == Extracted()


def test_huge_text_is_clipped():
    body = b"0123456789\n" * (MAX_TEXT_CHARS // 5)

    found = extract(form=PAGE, mime_type="text/plain", body=body)

    assert len(found.text) == MAX_TEXT_CHARS


def test_a_huge_telegram_post_is_clipped():
    filler = "Долгий текст. " * (MAX_TEXT_CHARS // 7)
    body = fixture_bytes("telegram_embed.html").replace(
        "Прощаемся".encode(), filler.encode() + "Прощаемся".encode()
    )

    found = extract(form=TELEGRAM, mime_type="text/html", body=body)

    assert len(found.text) == MAX_TEXT_CHARS
    assert len(found.title) <= 500


def test_control_characters_and_lone_surrogates_are_stripped():
    answer = {
        "author_name": "PS01\u0000\u0007\u007f\ud800 osint",
        "html": "<blockquote><p>two\u0001 men\u001b killed\ud83d</p><a>April 9, 2025</a>"
        "</blockquote>",
    }
    body = json.dumps(answer).encode()

    found = extract(form=X, mime_type="application/json", body=body)

    assert found.author == "PS01 osint"
    assert found.text == "two men killed"
    assert_storable(found)


def test_control_characters_in_plain_text_are_stripped_but_lines_kept():
    found = extract(form=PAGE, mime_type="text/plain", body=b"a\x00b\x07c\x1bd\x7fe\tf\ng\r\nh\ri")

    assert found.text == "abcde\tf\ng\nh\ni"


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00Z", "9999-12-31", "not a date", "", "2025-13-45", "1e400"]
)
def test_an_implausible_date_is_dropped(stamp):
    body = fixture_bytes("telegram_embed.html").replace(
        b'datetime="2025-04-09T07:41:26+00:00"', f'datetime="{stamp}"'.encode()
    )

    found = extract(form=TELEGRAM, mime_type="text/html", body=body)

    assert found.published_at is None
    assert found.author == "ZOV Новошахтинск"
