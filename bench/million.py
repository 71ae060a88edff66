"""A newsroom at a million claims, in its own PostgreSQL database, for the read benchmarks.

``python bench/run.py million [--scale 1] [--rebuild] [--database claimtrail_scale]``

Builds (at scale 1) 1,000,000 claims, ~3,000,000 evidence rows, 300,000 sources on 5,000
outlets (web outlets with their domains, Telegram channels and X accounts with their handles),
citation chains 2-4 deep, snapshots and link checks for a share of the sources, rating
histories, status histories, publications, relations between claims and a cast of users: an
editor, two fact-checkers (one to hold access grants, one without any), a viewer and the staff
who did the rest of the work. Two claims are built by hand: one with exactly 5 evidence rows,
one with exactly 200 (on a few domains, long URLs, every kind of capture).

Rows are generated in Python and streamed with COPY (psycopg 3), or derived in SQL from rows
already loaded (status history, snapshots, link checks). Each big table is loaded with its
secondary indexes, unique and foreign-key constraints dropped, and gets them back afterwards
from their saved definitions, the way pg_restore does: re-adding a foreign key checks every row,
so no constraint is skipped, only deferred to one pass. Ids are assigned here, in creation
order; sequences are moved past them at the end.

The database is kept between runs: a finished build leaves a row in ``bench_scale_build``; a
later run finds it and only migrates (and adds the access grants if the model has appeared
since). A database without that row (a build that died half-way) is dropped and built again, as
it is with ``--rebuild``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.scale_text import (
    GIVEN,
    MINISTRIES,
    SURNAMES,
    attribution_sentence,
    fact_sentence,
    headline,
    quote,
    slug,
    speakers,
)

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "claimtrail_scale"
MARKER = "bench_scale_build"
BUILD_VERSION = 1
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/claimtrail"
PASSWORD = "bench-scale-password"  # noqa: S105 - the four named users' (local benchmark database only)

EPOCH = datetime(2022, 3, 1, tzinfo=UTC)  # the first sources
CLAIMS_FROM = datetime(2023, 6, 1, tzinfo=UTC)
NOW = datetime(2025, 5, 1, tzinfo=UTC)

VERDICTS = ("verified", "false", "misleading", "disputed", "unverifiable")
STATUS_WEIGHTS = {
    "unverified": 45,
    "in_review": 20,
    "verified": 12,
    "false": 8,
    "misleading": 6,
    "disputed": 5,
    "unverifiable": 4,
}
# Evidence rows per claim: mean ~3.
EVIDENCE_WEIGHTS = {0: 3, 1: 14, 2: 23, 3: 27, 4: 15, 5: 9, 6: 5, 7: 2, 8: 1, 9: 1}
STANCE_WEIGHTS = {"asserts": 35, "supports": 25, "contradicts": 15, "context": 25}
CREDIBILITY_WEIGHTS = {1: 8, 2: 22, 3: 30, 4: 15, 5: 5, 6: 20}


@dataclass(frozen=True)
class Sizes:
    claims: int
    sources: int
    outlets: int
    claimants: int
    tags: int
    sensitive: int
    relations: int
    assigned_each: int  # claims assigned to each named fact-checker
    worked_each: int  # other claims each named fact-checker added evidence on
    staff_checkers: int = 30
    staff_editors: int = 8
    staff_viewers: int = 20

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        def n(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            claims=n(1_000_000, 200),
            sources=n(300_000, 300),
            outlets=n(5_000, 40),
            claimants=n(2_000, 20),
            tags=n(60, 12),
            sensitive=n(3_000, 12),
            relations=n(20_000, 20),
            assigned_each=n(300, 10),
            worked_each=n(200, 5),
        )


@dataclass
class Cast:
    editor: int
    checker_granted: int
    checker: int
    viewer: int
    checkers: list[int] = field(default_factory=list)  # staff fact-checkers, named ones first
    editors: list[int] = field(default_factory=list)
    everyone: list[int] = field(default_factory=list)


# --- The database ------------------------------------------------------------------------------


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("The scale database is PostgreSQL: set DATABASE_URL=postgres://...")
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def prepare_database(*, name: str, rebuild: bool) -> str:
    """Create the database if missing (drop it first with ``rebuild``, or if a build died in
    it), point Django at it, set Django up and migrate. Returns its URL."""
    import psycopg

    url = database_url(name)
    with _admin(url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild:
            with psycopg.connect(url) as conn:
                marker = conn.execute("SELECT to_regclass(%s)", [MARKER]).fetchone()[0]
                finished = (
                    marker
                    and conn.execute(
                        f"SELECT 1 FROM {MARKER} WHERE key = 'built'"  # noqa: S608 - constant
                    ).fetchone()
                )
            rebuild = not finished
        if exists and rebuild:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if rebuild or not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def read_marker(key: str = "built") -> dict[str, Any] | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {MARKER} WHERE key = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_marker(key: str, value: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (key text PRIMARY KEY, value jsonb)")
        cursor.execute(
            f"INSERT INTO {MARKER} (key, value) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value, default=str)],
        )


# --- Loading plumbing --------------------------------------------------------------------------


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Stream ``rows`` into ``table`` with COPY on Django's connection (its transaction)."""
    from django.db import connection

    count = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor: Django does not wrap COPY
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def execute(sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@contextmanager
def bare_tables(tables: Sequence[str]) -> Iterator[None]:
    """The tables without secondary indexes, unique and foreign-key constraints while the block
    loads them; all put back afterwards from their definitions (each FK re-checks every row)."""
    from django.db import connection

    indexes: list[str] = []
    constraints: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            for name, definition in cursor.fetchall():
                constraints.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                [table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for statement in indexes + constraints:
            cursor.execute(statement)


def fix_sequences(tables: Iterable[str]) -> None:
    for table in tables:
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"GREATEST((SELECT max(id) FROM {table}), 1))"
        )


def weighted(rng: random.Random, weights: dict[Any, int], k: int) -> list[Any]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def _spread(start: datetime, end: datetime, index: int, count: int) -> datetime:
    """The index-th of count moments spread evenly from start to end (ids in creation order)."""
    return start + (end - start) * (index / max(count, 1))


# --- The steps ---------------------------------------------------------------------------------


def build_users(sizes: Sizes) -> Cast:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    groups = {g.name: g for g in Group.objects.all()}
    password, unusable = make_password(PASSWORD), make_password(None)
    named = {
        "bench_edith": ("editor", "Edith", "Editor"),
        "bench_fiona": ("fact_checker", "Fiona", "Granted"),
        "bench_felix": ("fact_checker", "Felix", "Ungranted"),
        "bench_vera": ("viewer", "Vera", "Viewer"),
    }
    users: dict[str, User] = {}
    for username, (group, first, last) in named.items():
        users[username] = User.objects.create(
            username=username, first_name=first, last_name=last, password=password
        )
        users[username].groups.add(groups[group])
    staff: dict[str, list[int]] = {"fact_checker": [], "editor": [], "viewer": []}
    for group, count in (
        ("fact_checker", sizes.staff_checkers),
        ("editor", sizes.staff_editors),
        ("viewer", sizes.staff_viewers),
    ):
        made = User.objects.bulk_create(
            User(username=f"staff_{group}_{i:02d}", password=unusable) for i in range(count)
        )
        groups[group].user_set.add(*made)
        staff[group] = [u.pk for u in made]
    return Cast(
        editor=users["bench_edith"].pk,
        checker_granted=users["bench_fiona"].pk,
        checker=users["bench_felix"].pk,
        viewer=users["bench_vera"].pk,
        checkers=staff["fact_checker"],
        editors=[users["bench_edith"].pk, *staff["editor"]],
        everyone=[u.pk for u in users.values()] + [pk for pks in staff.values() for pk in pks],
    )


REAL_OUTLETS = [
    # name, kind, country, affiliation, owner, party_to, domains
    ("Newsweek", "magazine", "US", "independent", "Newsweek Digital", "", ["newsweek.com"]),
    ("IStories", "investigative", "LV", "independent", "", "", ["istories.media"]),
    ("RFE/RL", "broadcaster", "CZ", "state_affiliated", "USAGM", "", ["rferl.org", "svoboda.org"]),
    ("Reuters", "wire", "GB", "independent", "Thomson Reuters", "", ["reuters.com"]),
    ("The Kyiv Independent", "news_site", "UA", "independent", "", "", ["kyivindependent.com"]),
    ("Meduza", "news_site", "LV", "independent", "", "", ["meduza.io"]),
    ("Mediazona", "investigative", "RU", "independent", "", "", ["zona.media"]),
    ("TASS", "wire", "RU", "state_affiliated", "Government of Russia", "Russia", ["tass.ru"]),
    ("RIA Novosti", "wire", "RU", "state_affiliated", "Rossiya Segodnya", "Russia", ["ria.ru"]),
    ("Global Times", "news_site", "CN", "state_affiliated", "People's Daily", "", ["globaltimes.cn"]),  # noqa: E501
    ("Foreign Ministry of China", "government", "CN", "state", "Government of China", "", ["fmprc.gov.cn", "mfa.gov.cn"]),  # noqa: E501
    ("Foreign Ministry of Russia", "government", "RU", "state", "Government of Russia", "Russia", ["mid.ru"]),  # noqa: E501
    ("Ministry of Defence of Russia", "government", "RU", "state", "Government of Russia", "Russia", ["mil.ru"]),  # noqa: E501
    ("Security Service of Ukraine", "government", "UA", "state", "Government of Ukraine", "Ukraine", ["ssu.gov.ua"]),  # noqa: E501
    ("President of Ukraine", "government", "UA", "state", "Government of Ukraine", "Ukraine", ["president.gov.ua"]),  # noqa: E501
    ("Carnegie Russia Eurasia Center", "research", "DE", "independent", "Carnegie Endowment", "", ["carnegieendowment.org"]),  # noqa: E501
    ("Ukrinform", "wire", "UA", "state_affiliated", "Government of Ukraine", "Ukraine", ["ukrinform.net", "ukrinform.ua"]),  # noqa: E501
]  # fmt: skip
REAL_CHANNELS = [
    # name, platform, handle, party_to
    ("ZOVNovoshakhtinsk", "telegram", "ZOVNovoshakhtinsk", "Russia"),
    ("Krupnokaliberny Perepolokh", "telegram", "KrupnokaliberPerepolokh", "Russia"),
    ("Rybar", "telegram", "rybar", "Russia"),
    ("PS01", "x", "PS01_watch", ""),
    ("Ukraine's General Staff", "telegram", "GeneralStaffZSU", "Ukraine"),
    ("HUR", "x", "DI_Ukraine", "Ukraine"),
]
WORDS_A = [
    "kyiv", "moscow", "baltic", "steppe", "eastern", "pacific", "dragon", "frontline", "border",
    "danube", "ural", "caspian", "harbin", "lviv", "odesa", "kharkiv", "siberia", "volga",
    "amur", "nepal", "himalaya", "havana", "delhi", "colombo", "bishkek", "tashkent", "almaty",
    "belgrade", "novosti", "pravda", "vesti", "open", "free", "daily", "night", "morning",
]  # fmt: skip
WORDS_B = [
    "news", "times", "post", "herald", "monitor", "observer", "wire", "report", "today",
    "info", "media", "press", "journal", "gazette", "voice", "review", "bulletin", "dispatch",
    "insider", "digest", "tribune", "chronicle", "watch", "facts", "line", "24", "online",
]  # fmt: skip
TLDS = ["com", "net", "org", "ru", "ua", "info", "news", "cn", "com.ua", "co.uk", "kz", "eu", "de"]
WEB_KINDS = {
    "news_site": 45, "magazine": 5, "investigative": 5, "wire": 2, "broadcaster": 5,
    "government": 8, "ngo": 5, "research": 3, "individual": 2, "website": 20,
}  # fmt: skip
SECTIONS = ["world", "europe", "asia", "politics", "war", "russia", "ukraine", "china", "news"]


@dataclass
class OutletRow:
    id: int
    kind: str
    domains: list[str]
    handle: tuple[str, str] | None  # (platform, handle as written)


def build_outlets(rng: random.Random, sizes: Sizes, cast: Cast) -> list[OutletRow]:
    outlets: list[tuple[Any, ...]] = []
    rows: list[OutletRow] = []
    owners = [f"{rng.choice(WORDS_A).capitalize()} Media Holding {i}" for i in range(300)]
    made = EPOCH - timedelta(days=400)

    def add(name: str, kind: str, country: str, affiliation: str, owner: str, party: str) -> int:
        outlet_id = len(outlets) + 1
        outlets.append((outlet_id, name, kind, country, affiliation, owner, party, "", made, made))
        return outlet_id

    taken: set[str] = set()
    for name, kind, country, affiliation, owner, party, domains in REAL_OUTLETS:
        rows.append(
            OutletRow(add(name, kind, country, affiliation, owner, party), kind, domains, None)
        )
        taken |= set(domains)
    for name, platform, handle, party in REAL_CHANNELS:
        kind = "messaging_channel" if platform == "telegram" else "social_account"
        rows.append(
            OutletRow(
                add(name, kind, "", "partisan" if party else "unknown", "", party),
                kind,
                [],
                (platform, handle),
            )
        )
    social = sizes.outlets // 5
    handles: set[str] = {h.lower() for _, _, h, _ in REAL_CHANNELS}
    while len(rows) < sizes.outlets - social:
        domain = f"{rng.choice(WORDS_A)}{rng.choice(WORDS_B)}.{rng.choice(TLDS)}"
        if domain in taken:
            domain = f"{rng.choice(WORDS_A)}-{domain}"
            if domain in taken:
                continue
        taken.add(domain)
        kind = weighted(rng, WEB_KINDS, 1)[0]
        stem = domain.split(".")[0].replace("-", " ").title()
        country = rng.choice(["UA", "RU", "CN", "US", "GB", "DE", "NP", "IN", "KZ", "LV", ""])
        affiliation = {"government": "state"}.get(kind) or rng.choice(
            ["unknown", "independent", "independent", "state_affiliated", "partisan"]
        )
        party = rng.choice(["Russia", "Ukraine"]) if rng.random() < 0.08 else ""
        owner = rng.choice(owners) if rng.random() < 0.3 else ""
        domains = [domain]
        if rng.random() < 0.15:  # a mirror or a second TLD
            mirror = f"{domain.split('.')[0]}.{rng.choice(TLDS)}"
            if mirror not in taken:
                taken.add(mirror)
                domains.append(mirror)
        rows.append(
            OutletRow(add(stem, kind, country, affiliation, owner, party), kind, domains, None)
        )
    while len(rows) < sizes.outlets:
        platform = "telegram" if rng.random() < 0.6 else "x"
        handle = f"{rng.choice(WORDS_A).capitalize()}{rng.choice(WORDS_B).capitalize()}{rng.randint(1, 999)}"  # noqa: E501
        if handle.lower() in handles:
            continue
        handles.add(handle.lower())
        kind = "messaging_channel" if platform == "telegram" else "social_account"
        party = rng.choice(["Russia", "Ukraine", ""])
        outlet_id = add(handle, kind, "", "partisan" if party else "unknown", "", party)
        rows.append(OutletRow(outlet_id, kind, [], (platform, handle)))
    copy_rows(
        "sources_outlet",
        ["id", "name", "kind", "country", "affiliation", "owner", "party_to", "description",
         "created_at", "updated_at"],
        outlets,
    )  # fmt: skip
    copy_rows(
        "sources_outletdomain",
        ["outlet_id", "domain"],
        ((row.id, domain) for row in rows for domain in row.domains),
    )
    copy_rows(
        "sources_outlethandle",
        ["outlet_id", "platform", "handle"],
        ((row.id, row.handle[0], row.handle[1].lower()) for row in rows if row.handle),
    )
    ratings = []
    grades = "ABCDEF"
    for row in rows:
        if rng.random() < 0.3:
            continue
        when = EPOCH + timedelta(days=rng.randint(0, 300))
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            ratings.append(
                (
                    row.id,
                    rng.choice(grades),
                    f"Track record reviewed: {rng.choice(['corrections published', 'no corrections on record', 'mixed record on casualty figures', 'state messaging repeated without attribution', 'original reporting confirmed by others'])}.",  # noqa: E501
                    rng.choice(["", "", "NewsGuard", "Media Bias/Fact Check", "RSF index"]),
                    when,
                    rng.choice(cast.editors),
                )
            )
            when += timedelta(days=rng.randint(20, 200))
    copy_rows(
        "sources_reliabilityrating",
        ["outlet_id", "grade", "rationale", "external_reference", "rated_at", "rated_by_id"],
        ratings,
    )
    return rows


SOURCE_KIND = {
    "news_site": ["article"] * 8 + ["video", "interview"],
    "magazine": ["article"] * 4 + ["interview"],
    "investigative": ["article", "article", "dataset", "document"],
    "wire": ["article"],
    "broadcaster": ["article", "video", "video", "interview"],
    "government": ["official_statement"] * 4 + ["document", "video"],
    "ngo": ["document", "article", "dataset"],
    "research": ["document", "dataset", "article"],
    "individual": ["interview", "social_post", "correspondence"],
    "website": ["article", "article", "document"],
    "messaging_channel": ["social_post"] * 5 + ["video"],
    "social_account": ["social_post"],
}
LANGUAGES = ["en", "en", "en", "ru", "ru", "uk", "zh", "ne", ""]
TRACKING = [
    "?utm_source=telegram&utm_medium=social",
    "?utm_source=twitter&utm_campaign=share",
    "?fbclid=IwAR0bench",
    "#comments",
    "",
    "",
    "",
]


@dataclass
class SourcePlan:
    """What later steps need to know about the sources, by id (index 0 unused)."""

    count: int
    created: list[datetime]
    sensitive: list[int]
    ordinary_ids: list[int]  # not sensitive: what evidence mostly cites
    web_outlets: dict[str, int]  # domain -> outlet id (for the hand-built claim)


def source_url(
    rng: random.Random, outlet: OutletRow, source_id: int, when: datetime, long: bool = False
) -> tuple[str, str]:
    """(URL as cited, its canonical form), the canonical form as sources/canonical.py makes it."""
    if outlet.handle is not None:
        platform, handle = outlet.handle
        if platform == "telegram":
            post = 1000 + source_id
            cited = f"https://t.me/{'s/' if rng.random() < 0.3 else ''}{handle}/{post}"
            return cited, f"https://t.me/{handle.lower()}/{post}"
        status = 1_650_000_000_000_000_000 + source_id * 7919
        host = rng.choice(["twitter.com", "x.com", "mobile.twitter.com"])
        cited = f"https://{host}/{handle}/status/{status}{'?s=20' if rng.random() < 0.4 else ''}"
        return cited, f"https://x.com/{handle.lower()}/status/{status}"
    domain = rng.choice(outlet.domains)
    host = domain if rng.random() < 0.85 else f"{rng.choice(['en', 'news', 'amp'])}.{domain}"
    title = slug(headline(rng), 200 if long else 70)
    if outlet.kind == "government":
        path = f"/en/press/statements/{when:%Y%m%d}/{source_id}"
        query = f"?id={source_id}&lang=en"
    else:
        path = f"/{rng.choice(SECTIONS)}/{when:%Y/%m/%d}/{title}-{source_id}"
        query = f"?page={rng.randint(2, 4)}&view=full" if long and rng.random() < 0.5 else ""
    if long:
        path += f"/{slug(headline(rng), 120)}"
    canonical = f"https://{host}{path}{query}"
    www = "www." if host == domain and rng.random() < 0.4 else ""
    scheme = "http" if rng.random() < 0.1 else "https"
    extra = rng.choice(TRACKING)
    if extra.startswith("?") and query:
        extra = "&" + extra[1:]
    return f"{scheme}://{www}{host}{path}{query}{extra}", canonical


def build_sources(
    rng: random.Random, sizes: Sizes, cast: Cast, outlets: list[OutletRow], reserve: int
) -> SourcePlan:
    """``sizes.sources - reserve`` sources in time order, their citations; ``reserve`` ids are
    left at the end for the hand-built claims' sources."""
    count = sizes.sources - reserve
    # Big outlets publish most: outlet popularity falls off like 1/rank.
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(outlets))]
    cumulative = list(_accumulate(weights))
    sensitive = set(rng.sample(range(1, count + 1), sizes.sensitive))
    created = [EPOCH] * (sizes.sources + 1)
    tiers: list[list[int]] = [[], [], [], [], []]  # origins, relays, echoes, echoes of echoes
    citations: list[tuple[Any, ...]] = []
    ordinary: list[int] = []
    creators = cast.checkers + cast.editors[:4] + [cast.viewer]

    def recent(pool: list[int], k: int) -> list[int]:
        if not pool:
            return []
        span = min(len(pool), 2000)  # relays cite what came out lately
        picks = {pool[-1 - int(span * rng.random() ** 2)] for _ in range(k)}
        return list(picks)

    def rows() -> Iterator[tuple[Any, ...]]:
        for source_id in range(1, count + 1):
            when = _spread(EPOCH, NOW - timedelta(days=5), source_id, count)
            created[source_id] = when
            outlet = outlets[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            kind = rng.choice(SOURCE_KIND[outlet.kind])
            is_sensitive = source_id in sensitive
            if is_sensitive and kind in ("article", "official_statement", "social_post"):
                kind = rng.choice(["video", "interview", "correspondence", "document"])
            if kind == "correspondence" or (kind == "dataset" and rng.random() < 0.5):
                url = canonical = ""
            else:
                url, canonical = source_url(rng, outlet, source_id, when)
            roll = rng.random()
            if roll < 0.3:
                sourcing, tier = "original", 0
            elif roll < 0.85:
                sourcing, tier = "derived", 1 + (roll > 0.55) + (roll > 0.75) + (roll > 0.82)
            else:
                sourcing, tier = "unknown", None
            if tier is not None:
                tiers[tier].append(source_id)
            if tier:
                cited = recent(tiers[tier - 1], rng.choice([1, 1, 2]))
                if tier > 1 and rng.random() < 0.2:
                    cited += recent(tiers[0], 1)
                if rng.random() < 0.05:
                    cited = []  # derived, but nothing recorded upstream: origin unknown
                for target in dict.fromkeys(cited):
                    citations.append(
                        (
                            source_id,
                            target,
                            rng.choice(
                                ["cites", "cites", "quotes", "republishes", "primary_source"]
                            ),
                            "",
                            rng.choice(creators),
                            when + timedelta(hours=rng.randint(1, 72)),
                        )
                    )
            if not is_sensitive:
                ordinary.append(source_id)
            link = (
                rng.choice(["", "", "", "alive", "alive", "changed", "gone", "error"])
                if url
                else ""
            )
            checked = when + timedelta(days=rng.randint(1, 60)) if link else None
            yield (
                source_id,
                kind,
                headline(rng)
                if kind != "correspondence"
                else f"Reply from {rng.choice(MINISTRY_NAMES)}",
                url,
                canonical or None,
                outlet.id,
                rng.choice(["", "", f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"]),
                when - timedelta(hours=rng.randint(0, 48)),
                rng.choice(LANGUAGES),
                sourcing,
                "",
                is_sensitive,
                link,
                checked,
                checked + timedelta(days=30) if checked else None,
                cast.checker if source_id % 997 == 0 else rng.choice(creators),
                when,
                checked or when,
            )

    copy_rows("sources_source", SOURCE_COLUMNS, rows())
    copy_rows(
        "sources_citation",
        ["citing_id", "cited_id", "kind", "note", "created_by_id", "created_at"],
        citations,
    )
    web = {d: o.id for o in outlets for d in o.domains}
    return SourcePlan(sizes.sources, created, sorted(sensitive), ordinary, web)


SOURCE_COLUMNS = [
    "id", "kind", "title", "url", "canonical_url", "outlet_id", "author", "published_at",
    "language", "sourcing", "summary", "is_sensitive", "link_status", "link_checked_at",
    "link_next_check_at", "created_by_id", "created_at", "updated_at",
]  # fmt: skip
MINISTRY_NAMES = [f"the {m} of {g}" for m, g in MINISTRIES]


def _accumulate(values: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


@dataclass
class ClaimPlan:
    count: int
    created: list[datetime]
    updated: list[datetime]
    status: list[str]
    assignee: list[int | None]
    worker: list[int]  # who adds its evidence


def build_claimants_and_tags(
    rng: random.Random, sizes: Sizes
) -> tuple[list[tuple[int, Any]], list[int]]:
    people = speakers(rng, sizes.claimants)
    copy_rows(
        "claims_claimant",
        ["id", "name", "kind", "title", "affiliation", "country", "created_at"],
        (
            (i + 1, s.name, s.kind, s.title, s.affiliation, s.country, EPOCH)
            for i, s in enumerate(people)
        ),
    )
    tags = [
        "recruitment", "foreign-fighters", "casualties", "prisoners-of-war", "border-crossings",
        "denials", "contracts", "china", "nepal", "cuba", "india", "north-korea", "drones",
        "dual-use-goods", "telegram", "mercenaries", "medical-care", "interrogation-video",
        "official-figures", "zaporizhzhia", "donetsk", "kursk", "bakhmut", "pokrovsk",
        "international-legion", "sanctions", "weapons-supply", "migration", "payments",
        "obituaries", "billboards", "embassy", "criminal-code", "volunteers", "geolocation",
    ]  # fmt: skip
    while len(tags) < sizes.tags:
        tags.append(f"{rng.choice(WORDS_A)}-{rng.choice(WORDS_B)}-{len(tags)}")
    tags = list(dict.fromkeys(tags))[: sizes.tags]
    copy_rows("claims_tag", ["id", "name"], ((i + 1, t) for i, t in enumerate(tags)))
    return list(enumerate(people, start=1)), list(range(1, len(tags) + 1))


def build_claims(
    rng: random.Random,
    sizes: Sizes,
    cast: Cast,
    claimants: list[tuple[int, Any]],
    tags: list[int],
    reserve: int,
) -> ClaimPlan:
    from claims.services import claim_text_hash

    count = sizes.claims - reserve
    statuses = weighted(rng, STATUS_WEIGHTS, count)
    plan = ClaimPlan(
        count=sizes.claims,
        created=[CLAIMS_FROM] * (sizes.claims + 1),
        updated=[CLAIMS_FROM] * (sizes.claims + 1),
        status=["unverified", *statuses, *["in_review"] * reserve],
        assignee=[None] * (sizes.claims + 1),
        worker=[0] * (sizes.claims + 1),
    )
    # The named fact-checkers' queues: recent claims, open or in review (and a few verdicts).
    open_ids = [i for i in range(count * 4 // 5, count + 1) if plan.status[i] != "unverified"]
    picked = rng.sample(open_ids, min(len(open_ids), 2 * sizes.assigned_each))
    for n, claim_id in enumerate(picked):
        plan.assignee[claim_id] = cast.checker_granted if n % 2 else cast.checker
    languages = {"en": 70, "ru": 12, "uk": 8, "zh": 6, "ne": 2, "es": 2}
    authors = cast.everyone

    def rows() -> Iterator[tuple[Any, ...]]:
        for claim_id in range(1, count + 1):
            status = plan.status[claim_id]
            created = _spread(CLAIMS_FROM, NOW - timedelta(days=1), claim_id, count)
            if plan.assignee[claim_id] is None and (
                status == "in_review"
                or (status in VERDICTS and rng.random() < 0.6)
                or rng.random() < 0.1
            ):
                plan.assignee[claim_id] = rng.choice(cast.checkers)
            worker = plan.assignee[claim_id] or rng.choice(cast.checkers)
            plan.worker[claim_id] = worker
            if status == "unverified":
                updated, version = created + timedelta(minutes=rng.randint(0, 600)), 1
            else:
                updated = min(created + timedelta(hours=rng.randint(2, 24 * 40)), NOW)
                version = (2 if status == "in_review" else 3) + rng.choice([0, 0, 1, 2])
            if plan.assignee[claim_id] is not None:
                version += 1
            plan.created[claim_id], plan.updated[claim_id] = created, updated
            if rng.random() < 0.25:
                claimant_id, speaker = rng.choice(claimants)
                kind, text = "attribution", attribution_sentence(rng, speaker)
            else:
                kind, text = "fact", fact_sentence(rng)
                claimant_id = rng.choice(claimants)[0] if rng.random() < 0.3 else None
            made = (
                created.date() - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.8 else None
            )
            precision = rng.choice(["day", "day", "day", "month", "year"]) if made else "day"
            if made and precision == "month":
                made = made.replace(day=1)
            elif made and precision == "year":
                made = date(made.year, 1, 1)
            yield (
                claim_id,
                text,
                claim_text_hash(text=text, kind=kind),
                kind,
                claimant_id,
                made,
                precision,
                weighted(rng, languages, 1)[0],
                status,
                status in VERDICTS and rng.random() < 0.06,
                version,
                plan.assignee[claim_id],
                rng.choice(authors),
                created,
                updated,
            )

    copy_rows("claims_claim", CLAIM_COLUMNS, rows())
    copy_rows(
        "claims_claim_tags",
        ["claim_id", "tag_id"],
        (
            (claim_id, tag)
            for claim_id in range(1, count + 1)
            for tag in rng.sample(tags, rng.choice([0, 1, 1, 2, 2, 3]))
        ),
    )
    return plan


CLAIM_COLUMNS = [
    "id", "text", "text_hash", "kind", "claimant_id", "made_on", "made_on_precision",
    "language", "status", "needs_review", "version", "assignee_id", "created_by_id",
    "created_at", "updated_at",
]  # fmt: skip
EVIDENCE_COLUMNS = [
    "id", "claim_id", "source_id", "stance", "quote", "quote_language", "translation",
    "credibility", "note", "added_by_id", "added_at", "updated_at",
]  # fmt: skip
NOTES = [
    "Same figure as the ministry's briefing; no independent count.",
    "Outlet could not verify the post itself.",
    "Geolocated from the video's background.",
    "Names match the border-crossing data.",
    "Relies on an interrogation video: statements under duress.",
    "Request for comment sent; no answer yet.",
]


def evidence_row(
    rng: random.Random,
    evidence_id: int,
    claim_id: int,
    source_id: int,
    stance: str,
    who: int,
    when: datetime,
) -> tuple[Any, ...]:
    quoted = rng.random() < 0.6
    text, language, translation = quote(rng) if quoted else ("", "", "")
    return (
        evidence_id,
        claim_id,
        source_id,
        stance,
        text,
        language,
        translation,
        weighted(rng, CREDIBILITY_WEIGHTS, 1)[0],
        rng.choice(NOTES) if rng.random() < 0.1 else "",
        who,
        when,
        when,
    )


def build_evidence(
    rng: random.Random,
    claims: ClaimPlan,
    sources: SourcePlan,
    cast: Cast,
    sizes: Sizes,
    bulk_claims: int,
) -> int:
    """Evidence rows of the generated claims; returns the last id used."""
    counts = weighted(rng, EVIDENCE_WEIGHTS, bulk_claims + 1)
    stances = list(STANCE_WEIGHTS)
    stance_weights = list(STANCE_WEIGHTS.values())
    created = sources.created
    ordinary = sources.ordinary_ids
    sensitive = sources.sensitive
    bulk_sources = len(ordinary) + len(sensitive)
    named = (cast.checker_granted, cast.checker)
    # The named fact-checkers also worked on claims they are not assigned to.
    extra = rng.sample(range(1, bulk_claims + 1), min(bulk_claims, 2 * sizes.worked_each))
    extra_worker = {claim_id: named[n % 2] for n, claim_id in enumerate(extra)}
    # The fact-checker without grants never worked on a claim resting on a sensitive source:
    # the migration that turned inferred access into grants gives him none.
    clean = {c for c, who in extra_worker.items() if who == cast.checker}
    clean |= {c for c in range(1, bulk_claims + 1) if claims.assignee[c] == cast.checker}
    last_id = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal last_id
        for claim_id in range(1, bulk_claims + 1):
            begun, finished = claims.created[claim_id], claims.updated[claim_id]
            # Sources published before the claim came in (ids are in time order).
            limit = bisect.bisect(created, begun, 1, bulk_sources + 1) - 1
            available = max(1, bisect.bisect(ordinary, limit))
            how_many = counts[claim_id] or (1 if claim_id in extra_worker else 0)
            if claims.assignee[claim_id] in named:
                how_many = max(how_many, 2)
            seen: set[tuple[int, str]] = set()
            for n in range(how_many):
                if rng.random() < 0.004 and claim_id not in clean:
                    source_id = rng.choice(sensitive)
                else:
                    # Recent reporting mostly, and a long tail reaching back.
                    source_id = ordinary[available - 1 - int((available - 1) * rng.random() ** 3)]
                stance = rng.choices(stances, weights=stance_weights)[0]
                if (source_id, stance) in seen:
                    continue
                seen.add((source_id, stance))
                who = extra_worker.get(claim_id) if n == 0 else None
                last_id += 1
                span = max((finished - begun).total_seconds(), 60)
                yield evidence_row(
                    rng,
                    last_id,
                    claim_id,
                    source_id,
                    stance,
                    who or claims.worker[claim_id],
                    begun + timedelta(seconds=rng.random() * span),
                )

    copy_rows("verification_evidence", EVIDENCE_COLUMNS, rows())
    return last_id


def build_relations(rng: random.Random, sizes: Sizes, claims: ClaimPlan, cast: Cast) -> None:
    kinds = ["contradicts", "contradicts", "supports", "updates", "duplicates"]
    seen: set[tuple[int, int, str]] = set()
    rows = []
    bulk = claims.count
    while len(rows) < sizes.relations:
        a = rng.randint(2, bulk - 2)  # not the hand-built claims, which have their own
        b = max(1, a - rng.randint(1, 5000))
        kind = rng.choice(kinds)
        if a == b or (a, b, kind) in seen:
            continue
        seen.add((a, b, kind))
        rows.append(
            (a, b, kind, "", rng.choice(cast.checkers), claims.created[a] + timedelta(hours=1))
        )
    copy_rows(
        "claims_claimrelation",
        ["from_claim_id", "to_claim_id", "kind", "note", "created_by_id", "created_at"],
        rows,
    )


# --- The two hand-built claims -----------------------------------------------------------------

BIG_DOMAINS = [
    "newsweek.com", "reuters.com", "istories.media", "rferl.org", "kyivindependent.com",
    "meduza.io", "globaltimes.cn", "tass.ru", "fmprc.gov.cn", "ssu.gov.ua",
]  # fmt: skip
BIG_CHANNELS = ["ZOVNovoshakhtinsk", "KrupnokaliberPerepolokh", "PS01_watch", "GeneralStaffZSU"]


def build_special_claims(
    rng: random.Random,
    *,
    first_source: int,
    first_claim: int,
    first_evidence: int,
    sources: SourcePlan,
    claims: ClaimPlan,
    cast: Cast,
    outlets: list[OutletRow],
    claimants: list[tuple[int, Any]],
) -> dict[str, Any]:
    """A claim with exactly 200 evidence rows (sources on a few domains and channels, long URLs,
    citation chains among them, captures of every kind) and one with exactly 5."""
    by_domain = {d: o for o in outlets for d in o.domains}
    by_handle = {o.handle[1]: o for o in outlets if o.handle}
    made = NOW - timedelta(days=20)
    source_rows, citations = [], []
    ids = list(range(first_source, first_source + 205))
    sensitive_ids = set(ids[5:205:25]) | {ids[2]}  # 8 among the 200, 1 among the 5
    for n, source_id in enumerate(ids):
        when = made - timedelta(hours=len(ids) - n)
        sources.created[source_id] = when
        if n % 5 == 4:
            outlet = by_handle[BIG_CHANNELS[n % len(BIG_CHANNELS)]]
            kind = "social_post"
        else:
            outlet = by_domain[BIG_DOMAINS[n % len(BIG_DOMAINS)]]
            kind = "official_statement" if outlet.kind == "government" else "article"
        if source_id in sensitive_ids:
            kind = rng.choice(["video", "interview"])
        url, canonical = source_url(rng, outlet, source_id, when, long=outlet.handle is None)
        sourcing = "original" if n % 4 == 0 else ("unknown" if n % 13 == 0 else "derived")
        source_rows.append(
            (
                source_id, kind, headline(rng), url, canonical, outlet.id, "", when,
                rng.choice(["en", "ru", "uk", "zh"]), sourcing, "", source_id in sensitive_ids,
                "alive" if n % 3 else "changed", when + timedelta(days=3), when + timedelta(days=33),  # noqa: E501
                cast.checker_granted if n % 2 else rng.choice(cast.checkers), when, when + timedelta(days=3),  # noqa: E501
            )
        )  # fmt: skip
        if sourcing == "derived":  # relay -> origin among them; echo -> relay; a few outside
            earlier = [i for i in ids[:n] if (i - first_source) % 4 == 0] or [
                rng.choice(sources.ordinary_ids)
            ]
            targets = {rng.choice(earlier[-10:])}
            if n > 8 and rng.random() < 0.5:
                targets.add(ids[n - rng.randint(1, 8)])
            if rng.random() < 0.3:
                targets.add(rng.choice(sources.ordinary_ids))
            for target in targets - {source_id}:
                citations.append((source_id, target, "cites", "", cast.checker_granted, when))
    copy_rows("sources_source", SOURCE_COLUMNS, source_rows)
    copy_rows(
        "sources_citation",
        ["citing_id", "cited_id", "kind", "note", "created_by_id", "created_at"],
        citations,
    )
    zelenskyy = next(cid for cid, s in claimants if s.name == "Volodymyr Zelenskyy")
    texts = [
        (
            "Volodymyr Zelenskyy said at least 155 Chinese citizens are fighting in the Russian "
            "army, and that the real number is higher.",
            "attribution",
            zelenskyy,
            ids[5:205],
        ),
        (
            "Two Chinese citizens captured in Donetsk Oblast told Ukraine's Security Service they "
            "were recruited before travelling to Moscow.",
            "fact",
            None,
            ids[:5],
        ),
    ]
    from claims.services import claim_text_hash

    claim_rows, evidence, changes = [], [], []
    evidence_id = first_evidence
    stances = list(STANCE_WEIGHTS)
    special = {}
    for offset, (text, kind, claimant, rows) in enumerate(texts):
        claim_id = first_claim + offset
        claims.created[claim_id] = made
        claims.updated[claim_id] = NOW - timedelta(days=1)
        claims.status[claim_id] = "in_review"
        claims.assignee[claim_id] = cast.checker_granted
        claim_rows.append(
            (
                claim_id, text, claim_text_hash(text=text, kind=kind), kind, claimant,
                date(2025, 4, 9), "day", "en", "in_review", False, 4, cast.checker_granted,
                cast.editor, made, NOW - timedelta(days=1),
            )
        )  # fmt: skip
        snapshot = []
        for n, source_id in enumerate(rows):
            evidence_id += 1
            row = list(
                evidence_row(
                    rng, evidence_id, claim_id, source_id, stances[n % 4],
                    cast.checker_granted if n % 3 else rng.choice(cast.checkers),
                    made + timedelta(minutes=10 * n),
                )
            )  # fmt: skip
            if not row[4]:
                row[4], row[5], row[6] = quote(rng)
            evidence.append(tuple(row))
            snapshot.append(
                {
                    "evidence_id": evidence_id,
                    "source_id": source_id,
                    "stance": row[3],
                    "credibility": row[7],
                }
            )
        changes.append(
            ("unverified", "in_review", "Taking it: the figure needs checking against the "
             "recruitment data.", 3, json.dumps(snapshot), made + timedelta(days=2),
             cast.checker_granted, claim_id)
        )  # fmt: skip
        special["two_hundred" if len(rows) == 200 else "five"] = claim_id
    copy_rows("claims_claim", CLAIM_COLUMNS, claim_rows)
    copy_rows(
        "claims_claim_tags",
        ["claim_id", "tag_id"],
        [(c[0], t) for c in claim_rows for t in (1, 2, 8)],
    )
    copy_rows("verification_evidence", EVIDENCE_COLUMNS, evidence)
    copy_rows(
        "verification_statuschange",
        ["from_status", "to_status", "rationale", "claim_version", "evidence_snapshot",
         "created_at", "actor_id", "claim_id"],
        changes,
    )  # fmt: skip
    relations = [
        (
            special["two_hundred"],
            rng.randint(1, first_claim - 1),
            kind,
            "",
            cast.checker_granted,
            made,
        )
        for kind in ("contradicts", "supports", "updates")
    ]
    copy_rows(
        "claims_claimrelation",
        ["from_claim_id", "to_claim_id", "kind", "note", "created_by_id", "created_at"],
        relations,
    )
    special["sensitive_sources"] = sorted(sensitive_ids)
    return special


# --- Derived in SQL ----------------------------------------------------------------------------

RATIONALES = [
    "Taking it: the figure needs checking against the recruitment data.",
    "Border-crossing records and the outlet's own reporting agree.",
    "The only source is an unverified channel post; no independent confirmation.",
    "The ministry's denial contradicts the captured men's statements.",
    "Numbers differ between the two official statements.",
    "The video is real but the caption misstates where and when it was filmed.",
]


def build_history(cast: Cast, bulk_claims: int) -> None:
    """Status changes (to in_review, then the verdict with the evidence that stood), and
    publications of some verdicts by an editor who did not set them."""
    params = {
        "rationales": RATIONALES,
        "checkers": cast.checkers,
        "editors": cast.editors,
        "verdicts": list(VERDICTS),
        "bulk": bulk_claims,
    }
    rationale = "(%(rationales)s::text[])[1 + (c.id %% cardinality(%(rationales)s::text[]))]"
    actor = (
        "coalesce(c.assignee_id, "
        "(%(checkers)s::int[])[1 + (c.id %% cardinality(%(checkers)s::int[]))])"
    )
    execute(
        f"""
        INSERT INTO verification_statuschange
            (from_status, to_status, rationale, claim_version, evidence_snapshot, created_at,
             actor_id, claim_id)
        SELECT * FROM (
            SELECT 'unverified', 'in_review', {rationale},
                   CASE WHEN c.status = 'in_review' THEN c.version ELSE c.version - 1 END,
                   '[]'::jsonb, c.created_at + (c.updated_at - c.created_at) / 4, {actor}, c.id
            FROM claims_claim c WHERE c.status <> 'unverified' AND c.id <= %(bulk)s
          UNION ALL
            SELECT 'in_review', c.status, {rationale}, c.version,
                   coalesce(ev.snapshot, '[]'::jsonb), c.updated_at, {actor}, c.id
            FROM claims_claim c
            LEFT JOIN (
                SELECT claim_id, jsonb_agg(jsonb_build_object(
                    'evidence_id', id, 'source_id', source_id, 'stance', stance,
                    'credibility', credibility) ORDER BY id) AS snapshot
                FROM verification_evidence GROUP BY claim_id
            ) ev ON ev.claim_id = c.id
            WHERE c.status = ANY(%(verdicts)s) AND c.id <= %(bulk)s
        ) changes ORDER BY 6, 8
        """,  # noqa: S608 - no input: constants and ids
        params,
    )
    editor = "(%(editors)s::int[])[1 + (s.claim_id %% cardinality(%(editors)s::int[]))]"
    execute(
        f"""
        INSERT INTO verification_publication
            (action, verdict, status_change_id, public_summary, reason, actor_id, created_at,
             claim_id)
        SELECT * FROM (
            SELECT 'publish', s.to_status, s.id,
                   'Our verdict: ' || s.to_status || '. ' || {rationale},
                   '', {editor}, s.created_at + interval '3 hours', s.claim_id
            FROM verification_statuschange s JOIN claims_claim c ON c.id = s.claim_id
            WHERE s.to_status = ANY(%(verdicts)s) AND NOT c.needs_review AND c.id %% 5 < 2
          UNION ALL
            SELECT 'unpublish', '', NULL, '',
                   'Corrected: a figure in the summary was wrong; to be republished.',
                   {editor}, s.created_at + interval '2 days', s.claim_id
            FROM verification_statuschange s JOIN claims_claim c ON c.id = s.claim_id
            WHERE s.to_status = ANY(%(verdicts)s) AND NOT c.needs_review AND c.id %% 50 = 0
        ) p ORDER BY 7
        """,  # noqa: S608
        params,
    )


def build_captures() -> None:
    """Snapshots for six sources in ten with a URL (archived mostly; failed and pending too) and
    a link check for every source with a link status."""
    execute(
        """
        INSERT INTO sources_snapshot
            (source_id, url, form, status, attempts, fetch_url, final_url, redirects,
             http_status, content_type, size, sha256, warc, file, filename, title, author, text,
             error_code, error_message, created_by_id, created_at, started_at, finished_at)
        SELECT s.id, s.url,
               CASE WHEN s.canonical_url LIKE 'https://t.me/%' THEN 'telegram_embed'
                    WHEN s.canonical_url LIKE 'https://x.com/%' THEN 'x_oembed' ELSE 'page' END,
               st.status, CASE st.status WHEN 'pending' THEN 0 ELSE 1 END,
               s.canonical_url, CASE st.status WHEN 'archived' THEN s.canonical_url ELSE '' END,
               '[]'::jsonb,
               CASE st.status WHEN 'archived' THEN 200 WHEN 'failed' THEN 404 END,
               CASE st.status WHEN 'archived' THEN 'text/html; charset=utf-8' ELSE '' END,
               CASE st.status WHEN 'archived' THEN 20000 + s.id % 300000 END,
               CASE st.status WHEN 'archived' THEN md5(s.id::text) || md5(s.url) ELSE '' END,
               CASE st.status WHEN 'archived'
                    THEN 'warcs/' || to_char(s.created_at, 'YYYY/MM/') || s.id || '.warc.gz'
                    ELSE '' END,
               '', '', CASE st.status WHEN 'archived' THEN s.title ELSE '' END, s.author, '',
               CASE st.status WHEN 'failed' THEN 'http_404' ELSE '' END,
               CASE st.status WHEN 'failed' THEN 'The server answered 404 Not Found.' ELSE '' END,
               s.created_by_id, s.created_at + interval '1 minute',
               CASE st.status WHEN 'pending' THEN NULL ELSE s.created_at + interval '2 minutes' END,
               CASE st.status WHEN 'pending' THEN NULL ELSE s.created_at + interval '3 minutes' END
        FROM sources_source s
        CROSS JOIN LATERAL (SELECT CASE WHEN s.id % 20 = 3 THEN 'failed'
                                        WHEN s.id % 50 = 7 THEN 'pending'
                                        ELSE 'archived' END AS status) st
        WHERE s.url <> '' AND (s.id % 10 < 6 OR s.id > (SELECT max(id) - 205 FROM sources_source))
        ORDER BY s.id
        """
    )
    execute(
        """
        INSERT INTO sources_linkcheck
            (source_id, url, status, http_status, final_url, error_code, message, checked_at)
        SELECT s.id, s.url, s.link_status,
               CASE s.link_status WHEN 'gone' THEN 404 WHEN 'error' THEN NULL ELSE 200 END,
               CASE s.link_status WHEN 'error' THEN '' ELSE s.canonical_url END,
               CASE s.link_status WHEN 'error' THEN 'timeout' ELSE '' END,
               CASE s.link_status WHEN 'error' THEN 'No answer within 30 s.' ELSE '' END,
               s.link_checked_at
        FROM sources_source s WHERE s.link_status <> '' ORDER BY s.link_checked_at, s.id
        """
    )


# --- Access grants (sources.SourceGrant, when the model exists) ---------------------------------


def grant_model() -> Any | None:
    from django.apps import apps

    try:
        return apps.get_model("sources", "SourceGrant")
    except LookupError:
        return None


def build_grants(
    *, cast: Cast, special: dict[str, Any], sensitive: Sequence[int], seed: int
) -> int | None:
    """Grants on sensitive sources to the granted fact-checker (bench_fiona): some on the
    source itself, some that came with an editor assigning her to a claim resting on it, a few
    revoked. None if the model does not exist on this branch yet."""
    model = grant_model()
    if model is None:
        return None
    rng = random.Random(seed + 7)
    rows: list[tuple[Any, ...]] = []
    # With a claim: every sensitive source of the two hand-built claims, and of her claims.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT e.claim_id, e.source_id FROM verification_evidence e "  # noqa: S608 - a model table name
            "JOIN sources_source s ON s.id = e.source_id JOIN claims_claim c ON c.id = e.claim_id "
            "WHERE s.is_sensitive AND c.assignee_id = %s AND NOT EXISTS ("
            # The migration that carried inferred access over may have made these already.
            f"  SELECT 1 FROM {model._meta.db_table} g WHERE g.grantee_id = c.assignee_id"
            "   AND g.source_id = e.source_id AND g.claim_id = e.claim_id"
            "   AND g.revoked_at IS NULL) ORDER BY 1, 2",
            [cast.checker_granted],
        )
        with_claim = cursor.fetchall()
        cursor.execute(
            f"SELECT source_id FROM {model._meta.db_table} WHERE grantee_id = %s "  # noqa: S608
            "AND claim_id IS NULL AND revoked_at IS NULL",
            [cast.checker_granted],
        )
        direct = {row[0] for row in cursor.fetchall()}
    granted_at = NOW - timedelta(days=10)
    for claim_id, source_id in with_claim:
        rows.append(
            (
                cast.checker_granted,
                source_id,
                claim_id,
                "Assigned to the claim.",
                cast.editor,
                granted_at,
                None,
                None,
                "",
            )
        )
    candidates = [source_id for source_id in sensitive if source_id not in direct]
    on_source = rng.sample(candidates, min(len(candidates), max(10, len(sensitive) // 20)))
    for n, source_id in enumerate(on_source):
        revoked = n % 10 == 0
        rows.append(
            (
                cast.checker_granted, source_id, None,
                "Needs the interrogation footage for the prisoner-of-war story.",
                cast.editor, granted_at - timedelta(days=n % 90),
                granted_at if revoked else None, cast.editor if revoked else None,
                "Story published; access no longer needed." if revoked else "",
            )
        )  # fmt: skip
    table = model._meta.db_table
    copy_rows(
        table,
        ["grantee_id", "source_id", "claim_id", "reason", "granted_by_id", "granted_at",
         "revoked_at", "revoked_by_id", "revoke_reason"],
        rows,
    )  # fmt: skip
    execute(f"ANALYZE {table}")
    return len(rows)


def ensure_grants(marker: dict[str, Any]) -> dict[str, Any] | None:
    """Add the grants once the model exists (a build from before the model has none)."""
    done = read_marker("grants")
    if done is not None or grant_model() is None:
        return done
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM sources_source WHERE is_sensitive ORDER BY id")
        sensitive = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        count = build_grants(
            cast=Cast(**marker["cast"]),
            special=marker["special"],
            sensitive=sensitive,
            seed=marker["seed"],
        )
        value = {"count": count, "at": datetime.now(UTC).isoformat()}
        write_marker("grants", value)
    return value


# --- The build ---------------------------------------------------------------------------------

BULK_TABLES = [
    "sources_source", "sources_citation", "claims_claim", "claims_claim_tags",
    "verification_evidence", "verification_statuschange", "verification_publication",
    "sources_snapshot", "sources_linkcheck", "claims_claimrelation",
]  # fmt: skip
SEQUENCED = [
    "sources_outlet", "sources_outletdomain", "sources_outlethandle", "sources_reliabilityrating",
    "claims_claimant", "claims_tag", *BULK_TABLES,
]  # fmt: skip


def build(
    *, scale: float = 1.0, seed: int = 2025, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Build the newsroom in the current database (empty, migrated) in the current transaction;
    write the marker. Returns what the marker holds."""
    from django.db import connection

    sizes = Sizes.for_scale(scale)
    rng = random.Random(seed)
    began = time.perf_counter()
    timings: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 1)
        log(f"  {name}: {timings[name]:.1f} s")
        return result

    execute("SET LOCAL maintenance_work_mem = '256MB'")
    execute("SET LOCAL synchronous_commit = off")
    cast = step("users", lambda: build_users(sizes))
    outlets = step("outlets", lambda: build_outlets(rng, sizes, cast))
    claimants, tags = step("claimants, tags", lambda: build_claimants_and_tags(rng, sizes))
    special_sources, special_claims = 205, 2
    with bare_tables(BULK_TABLES):
        sources = step(
            "sources, citations",
            lambda: build_sources(rng, sizes, cast, outlets, reserve=special_sources),
        )
        claims = step(
            "claims, tags",
            lambda: build_claims(rng, sizes, cast, claimants, tags, reserve=special_claims),
        )
        bulk_claims = sizes.claims - special_claims
        last_evidence = step(
            "evidence",
            lambda: build_evidence(rng, claims, sources, cast, sizes, bulk_claims),
        )
        special = step(
            "the 5- and 200-evidence claims",
            lambda: build_special_claims(
                rng,
                first_source=sizes.sources - special_sources + 1,
                first_claim=bulk_claims + 1,
                first_evidence=last_evidence,
                sources=sources,
                claims=claims,
                cast=cast,
                outlets=outlets,
                claimants=claimants,
            ),
        )
        step("relations", lambda: build_relations(rng, sizes, claims, cast))
        step("status history, publications", lambda: build_history(cast, bulk_claims))
        step("snapshots, link checks", build_captures)
        log("  indexes and constraints back (every foreign key re-checked) ...")
        start = time.perf_counter()
    timings["indexes and constraints"] = round(time.perf_counter() - start, 1)
    log(f"  indexes and constraints: {timings['indexes and constraints']:.1f} s")
    fix_sequences(SEQUENCED)
    counts = {}
    with connection.cursor() as cursor:
        for table in [*SEQUENCED, "auth_user"]:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    grants = build_grants(cast=cast, special=special, sensitive=sources.sensitive, seed=seed)
    marker = {
        "version": BUILD_VERSION,
        "scale": scale,
        "seed": seed,
        "cast": asdict(cast),
        "special": special,
        "counts": counts,
        "timings": timings,
        "seconds": round(time.perf_counter() - began, 1),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    write_marker("built", marker)
    if grants is not None:
        write_marker("grants", {"count": grants, "at": marker["finished_at"]})
    return marker


def ensure_built(
    *,
    name: str = DATABASE,
    scale: float = 1.0,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The scale database, built if it is not (or not at this scale), migrated, with grants if
    the model exists. Returns the build's marker."""
    prepare_database(name=name, rebuild=rebuild)
    from django.db import connection, transaction

    marker = read_marker()
    if marker is not None and (
        marker.get("scale") != scale or marker.get("version") != BUILD_VERSION
    ):
        log(f"{name}: built at scale {marker.get('scale')}, wanted {scale}: rebuilding")
        connection.close()
        prepare_database(name=name, rebuild=True)
        marker = None
    if marker is None:
        log(f"{name}: building at scale {scale} ...")
        with transaction.atomic():
            marker = build(scale=scale, log=log)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        log(f"  vacuum, analyze: {time.perf_counter() - began:.1f} s")
        marker["seconds_with_vacuum"] = round(marker["seconds"] + time.perf_counter() - began, 1)
        write_marker("built", marker)
    else:
        log(f"{name}: reusing the build of {marker['finished_at']} (scale {marker['scale']})")
    grants = ensure_grants(marker)
    marker["grants"] = grants
    return marker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="bench/run.py million", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = a million claims")
    parser.add_argument("--rebuild", action="store_true", help="drop the database and build again")
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args(argv or [])
    began = time.perf_counter()
    marker = ensure_built(name=args.database, scale=args.scale, rebuild=args.rebuild)
    counts = ", ".join(f"{table} {n:,}" for table, n in marker["counts"].items())
    print(f"{args.database}: {counts}")
    print(f"grants: {marker['grants']}")
    print(f"built in {marker.get('seconds_with_vacuum', marker['seconds'])} s; this run took "
          f"{time.perf_counter() - began:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
