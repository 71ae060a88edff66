"""The desk's two busiest pages, server side: the queue and a claim page with 200 evidence rows.

Data: the API benchmark's newsroom (10,000 claims, 3,900 sources in citation chains, 80
outlets), every outlet rated, plus one claim with 200 evidence rows (quotes, translations,
archived, failed and pending captures, link health, a history and related claims) and, for the
query-count check, a claim with 5 of those rows.

Three figures per page, measured in-process, one request at a time, in the same run with the
three alternating so that drift hits them alike:

- page: a GET through Django's test client, a signed-in fact-checker, every middleware
  (sessions, auth, CSRF, messages, WhiteNoise...), the view, its queries and its templates;
- same templates, data prepared: the page's own templates rendered again from the context its
  view built (every queryset already evaluated; the queries this runs are counted): what the
  templates alone cost;
- bare template, data prepared: the baseline. Django's template engine rendering one minimal
  template of the same information (the same rows, fields, counts, the same provenance SVG and
  chains) from plain Python lists computed beforehand: the least work that turns the data into
  HTML with the same engine. It has no includes, no forms, no navigation and no URL reversing,
  so page / bare is what the whole request machinery, the queries and the real templates cost
  on top of writing the data out.

The bare baseline is built from its own queries (not from the view's context), and checked to
carry the same evidence rows as the page before anything is timed.
"""

from __future__ import annotations

import random
import statistics
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

DATABASE = "claimtrail_bench_ui"
EVIDENCE_ROWS = 200
SMALL_ROWS = 5
WARMUP = 5
ROUNDS = 40

BARE_CLAIM = """<!doctype html><html lang="en"><head><title>Claim #{{ claim.id }}</title></head>
<body><main><h1>{{ claim.text }}</h1>
<dl><dt>Status</dt><dd>{{ claim.status }}</dd><dt>Kind</dt><dd>{{ claim.kind }}</dd>
<dt>Claimant</dt><dd>{{ claim.claimant }}</dd><dt>Made</dt><dd>{{ claim.made_on|default:"" }}</dd>
<dt>Tags</dt><dd>{{ claim.tags|join:", " }}</dd><dt>Assigned to</dt><dd>{{ claim.assignee }}</dd>
<dt>Published verdict</dt><dd>{{ claim.published|default:"none" }}</dd></dl>
{% for group in groups %}<section><h2>{{ group.label }} ({{ group.rows|length }})</h2><ul>
{% for row in group.rows %}<li>
<h3><a href="{{ row.href }}">{{ row.title }}</a> ({{ row.kind }})</h3>
<p>{{ row.outlet }} grade {{ row.grade|default:"not rated" }} {{ row.affiliation }}
{% if row.party_to %}party to the story: {{ row.party_to }}{% endif %} {{ row.owner }}</p>
<p>{{ row.credibility }} · {{ row.archive }}
{% if row.archived_at %} {{ row.archived_at|date:"j M Y, H:i" }}{% endif %}
· {{ row.link }}{% if row.link_checked_at %} {{ row.link_checked_at|date:"j M Y, H:i" }}{% endif %}
· by {{ row.added_by }}, {{ row.added_at|date:"j M Y, H:i" }}</p>
{% if row.quote %}<blockquote lang="{{ row.quote_language }}">{{ row.quote }}</blockquote>
<p>{{ row.translation }}</p>{% endif %}{% if row.note %}<p>{{ row.note }}</p>{% endif %}</li>
{% endfor %}</ul></section>{% endfor %}
<section><h2>Provenance</h2><ul>{% for stance in stances %}<li>{{ stance.stance }}:
{{ stance.independent_origins }} independent origins from {{ stance.evidence_count }}</li>
{% endfor %}</ul>{{ svg }}<ol>{% for chain in chains %}<li>{{ chain.stance }}:
{% for step in chain.steps %}<a href="{{ step.href }}">{{ step.title }}</a>
{% if not forloop.last %} → {% endif %}{% endfor %}
— {{ chain.end }}</li>{% endfor %}</ol></section>
<section><h2>Related claims</h2><ul>{% for item in relations %}<li>{{ item.kind }}
<a href="{{ item.href }}">{{ item.text }}</a> {{ item.status }}</li>{% endfor %}</ul></section>
<section><h2>History</h2><ol>{% for event in history %}<li>{{ event.at|date:"j M Y, H:i" }}
{{ event.actor }}: {{ event.what }} {{ event.rationale }}</li>{% endfor %}</ol></section>
</main></body></html>"""

BARE_QUEUE = """<!doctype html><html lang="en"><head><title>Queue</title></head><body><main>
<h1>Queue</h1><ul>{% for status, label, count in counts %}
<li><a href="?status={{ status }}">{{ label }}
{{ count }}</a></li>{% endfor %}</ul><p>{{ total }} claims</p><table>
{% for row in rows %}<tr><td><a href="{{ row.href }}">{{ row.text|truncatechars:200 }}</a>
{% for tag in row.tags %} {{ tag }}{% endfor %}</td><td>{{ row.claimant|default:"None" }}</td>
<td>{{ row.status }}</td><td>{{ row.published|default:"Not published" }}</td>
<td>{{ row.assignee|default:"Unassigned" }}</td><td>{% if row.needs_review %}Flagged{% endif %}</td>
<td>{{ row.evidence_count }}</td><td>{{ row.updated_at|date:"j M Y, H:i" }}</td></tr>
{% endfor %}</table></main></body></html>"""


# --- Data ---------------------------------------------------------------------------------------


@dataclass
class Pages:
    checker_id: int
    big_claim: int
    small_claim: int
    sizes: dict[str, int]


def build() -> Pages:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from bench.api import build_data
    from claims.models import Claim, ClaimRelation, Tag
    from claims.services import claim_text_hash
    from sources.models import LinkCheck, Outlet, ReliabilityRating, Snapshot, Source
    from verification.models import Evidence, StatusChange

    data = build_data()
    rng = random.Random(23)
    editor = User.objects.get(username="bench-editor")
    checker = User.objects.get(username="bench-checker")
    ReliabilityRating.objects.bulk_create(
        ReliabilityRating(
            outlet=outlet, grade=rng.choice("ABCDEF"), rationale="Benchmark.", rated_by=editor
        )
        for outlet in Outlet.objects.all()
    )
    tags = list(Tag.objects.all()[:3])

    def claim(text: str, rows: list[int]) -> Claim:
        made = Claim.objects.create(
            text=text,
            text_hash=claim_text_hash(text=text, kind="fact"),
            status="in_review",
            version=3,
            assignee=checker,
            created_by=editor,
        )
        made.tags.set(tags)
        stances = list(Evidence.Stance.values)
        Evidence.objects.bulk_create(
            Evidence(
                claim=made,
                source_id=source_id,
                stance=stances[n % len(stances)],
                credibility=n % 6 + 1,
                quote=f"Цитата {n} из источника." if n % 2 else f"Quoted passage {n}.",
                quote_language="ru" if n % 2 else "en",
                translation=f"Quoted passage {n} from the source." if n % 2 else "",
                note=f"Note on row {n}." if n % 3 == 0 else "",
                added_by=checker,
            )
            for n, source_id in enumerate(rows)
        )
        StatusChange.objects.create(
            claim=made,
            from_status="unverified",
            to_status="in_review",
            rationale="Benchmark: taking it.",
            actor=checker,
            claim_version=2,
        )
        others = rng.sample(list(Claim.objects.values_list("pk", flat=True)[:500]), 3)
        ClaimRelation.objects.bulk_create(
            ClaimRelation(from_claim=made, to_claim_id=other, kind=kind, created_by=checker)
            for other, kind in zip(others, ClaimRelation.Kind.values, strict=False)
        )
        return made

    rows = rng.sample(list(Source.objects.values_list("pk", flat=True)), EVIDENCE_ROWS)
    now = timezone.now()
    snapshots, checks = [], []
    for n, source_id in enumerate(rows):
        status = ("archived", "archived", "failed", "pending")[n % 4]
        snapshots.append(
            Snapshot(
                source_id=source_id,
                url=f"https://bench.example/{source_id}",
                status=status,
                sha256="a" * 64 if status == "archived" else "",
                warc=f"warcs/{source_id}.warc.gz" if status == "archived" else "",
                error_code="dns_error" if status == "failed" else "",
                error_message="The name does not exist." if status == "failed" else "",
                finished_at=now - timedelta(hours=n) if status != "pending" else None,
                created_by=checker,
            )
        )
        checks.append(LinkCheck(source_id=source_id, url="https://bench.example/", status="alive"))
    Snapshot.objects.bulk_create(snapshots)
    LinkCheck.objects.bulk_create(checks)
    Source.objects.filter(pk__in=rows).update(link_status="alive", link_checked_at=now)
    big = claim("Benchmark claim with 200 evidence rows.", rows)
    small = claim("Benchmark claim with 5 evidence rows.", rows[:SMALL_ROWS])
    sizes = {
        "claims": Claim.objects.count(),
        "evidence rows": Evidence.objects.count(),
        "sources": Source.objects.count(),
        "citations": data.sizes["citations"],
        "published": data.sizes["published"],
    }
    return Pages(checker_id=checker.pk, big_claim=big.pk, small_claim=small.pk, sizes=sizes)


# --- The bare baseline's data, computed beforehand ------------------------------------------------


def _labels(choices: Any) -> dict[str, str]:
    return dict(choices)


def bare_claim_data(claim_id: int, user: Any) -> dict[str, Any]:
    from django.utils.safestring import mark_safe

    from claims.models import Claim, ClaimRelation
    from sources.models import ReliabilityRating, Snapshot
    from verification.models import Evidence, Publication, StatusChange
    from verification.provenance import claim_provenance
    from verification.provenance_svg import provenance_picture
    from verification.selectors import claim_evidence

    claim = Claim.objects.select_related("claimant", "assignee").get(pk=claim_id)
    rows = list(claim_evidence(claim=claim, user=user).select_related("source__outlet", "added_by"))
    outlet_ids = {row.source.outlet_id for row in rows}
    grades: dict[int, str] = {}
    for rating in ReliabilityRating.objects.filter(outlet_id__in=outlet_ids).order_by(
        "outlet_id", "-rated_at", "-pk"
    ):
        grades.setdefault(rating.outlet_id, rating.grade)
    latest: dict[int, Snapshot] = {}
    for snap in Snapshot.objects.filter(source_id__in=[r.source_id for r in rows]).order_by(
        "source_id", "-created_at", "-pk"
    ):
        latest.setdefault(snap.source_id, snap)
    credibility = _labels(Evidence.Credibility.choices)
    by_stance: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        source, outlet, snap = row.source, row.source.outlet, latest.get(row.source_id)
        by_stance[row.stance].append(
            {
                "href": f"/sources/{source.pk}/",
                "title": str(source),
                "kind": source.get_kind_display(),
                "outlet": outlet.name if outlet else "",
                "grade": grades.get(outlet.pk, "") if outlet else "",
                "affiliation": outlet.get_affiliation_display() if outlet else "",
                "party_to": outlet.party_to if outlet else "",
                "owner": outlet.owner if outlet else "",
                "credibility": credibility[row.credibility],
                "archive": snap.get_status_display() if snap else "Not archived yet",
                "archived_at": snap.finished_at if snap else None,
                "link": source.get_link_status_display() if source.link_status else "",
                "link_checked_at": source.link_checked_at,
                "added_by": row.added_by.get_username(),
                "added_at": row.added_at,
                "quote": row.quote,
                "quote_language": row.quote_language,
                "translation": row.translation,
                "note": row.note,
            }
        )
    groups = [
        {"label": label, "rows": by_stance.get(value, [])}
        for value, label in Evidence.Stance.choices
    ]
    picture = provenance_picture(
        claim_provenance(claim=claim, user=user), element_id=f"provenance-{claim.pk}"
    )
    chains = [
        {
            "stance": chain.stance,
            "end": chain.end,
            "steps": [
                {"href": f"/sources/{step.source_id}/", "title": step.title or step.url}
                for step in chain.steps
            ],
        }
        for chain in picture.chains
    ]
    statuses = _labels(Claim.Status.choices)
    relations = [
        {
            "kind": rel.get_kind_display(),
            "href": f"/claims/{rel.to_claim_id}/",
            "text": rel.to_claim.text,
            "status": statuses[rel.to_claim.status],
        }
        for rel in ClaimRelation.objects.filter(from_claim=claim).select_related("to_claim")
    ]
    history = [
        {
            "at": change.created_at,
            "actor": change.actor.get_username(),
            "what": f"{statuses[change.from_status]} → {statuses[change.to_status]}",
            "rationale": change.rationale,
        }
        for change in StatusChange.objects.filter(claim=claim).select_related("actor")
    ]
    history += [
        {"at": row.added_at, "actor": row.added_by.get_username(), "what": "Added evidence"}
        for row in rows
    ]
    history.sort(key=lambda event: event["at"], reverse=True)
    published = Publication.objects.filter(claim=claim).order_by("-pk").first()
    return {
        "claim": {
            "id": claim.pk,
            "text": claim.text,
            "status": statuses[claim.status],
            "kind": claim.get_kind_display(),
            "claimant": claim.claimant.name if claim.claimant else "",
            "made_on": claim.made_on,
            "tags": [tag.name for tag in claim.tags.all()],
            "assignee": claim.assignee.get_username() if claim.assignee else "",
            "published": statuses.get(published.verdict, "") if published else "",
        },
        "groups": groups,
        "stances": [
            {
                "stance": s.stance,
                "independent_origins": s.independent_origins,
                "evidence_count": s.evidence_count,
            }
            for s in picture.stances
        ],
        "svg": mark_safe(str(picture.svg)),  # noqa: S308 - the page's own escaped SVG
        "chains": chains,
        "relations": relations,
        "history": history,
    }


def bare_queue_data(user: Any, page_size: int) -> dict[str, Any]:
    from django.db.models import Count

    from claims.models import Claim
    from verification.models import Publication

    statuses = _labels(Claim.Status.choices)
    claims = list(
        Claim.objects.select_related("claimant", "assignee")
        .prefetch_related("tags")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-created_at", "-pk")[:page_size]
    )
    published: dict[int, str] = {}
    for pub in Publication.objects.filter(claim__in=claims).order_by("claim_id", "-pk"):
        published.setdefault(pub.claim_id, pub.verdict if pub.action == "publish" else "")
    counts = Counter(dict(Claim.objects.values_list("status").annotate(n=Count("pk"))))
    return {
        "counts": [(value, label, counts.get(value, 0)) for value, label in Claim.Status.choices],
        "total": sum(counts.values()),
        "rows": [
            {
                "href": f"/claims/{c.pk}/",
                "text": c.text,
                "tags": [tag.name for tag in c.tags.all()],
                "claimant": str(c.claimant) if c.claimant else "",
                "status": statuses[c.status],
                "published": statuses.get(published.get(c.pk, ""), ""),
                "assignee": c.assignee.get_username() if c.assignee else "",
                "needs_review": c.needs_review,
                "evidence_count": c.evidence_count,
                "updated_at": c.updated_at,
            }
            for c in claims
        ],
    }


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    url: str
    page_template: str = ""
    page_context: dict[str, Any] | None = None
    request: Any = None
    bare: Any = None  # a compiled template
    bare_context: dict[str, Any] | None = None
    queries: int = 0
    template_queries: int = 0
    page_bytes: int = 0
    bare_bytes: int = 0


def capture_context(client: Any, url: str) -> tuple[str, dict[str, Any], Any, int]:
    """One request with Django's test instrumentation on, for the context the view rendered
    (its querysets evaluated by that render), the template's name and the request."""
    from django.template import Template
    from django.test.utils import instrumented_test_render

    original = Template._render
    Template._render = instrumented_test_render
    try:
        response = client.get(url)
    finally:
        Template._render = original
    assert response.status_code == 200, (url, response.status_code)
    contexts = response.context
    first = contexts[0] if isinstance(contexts, list) else contexts
    context = first.flatten()
    return response.templates[0].name, context, response.wsgi_request, len(response.content)


def run(case: Case, client: Any) -> dict[str, list[tuple[float, float]]]:
    from django.db import connection
    from django.template.loader import render_to_string

    from bench.api import _SqlTimer

    def page() -> tuple[float, float]:
        timer = _SqlTimer()
        with connection.execute_wrapper(timer):
            began = time.perf_counter()
            response = client.get(case.url)
            elapsed = time.perf_counter() - began
        assert response.status_code == 200
        return elapsed, timer.seconds

    def same_templates() -> tuple[float, float]:
        began = time.perf_counter()
        render_to_string(case.page_template, case.page_context, request=case.request)
        return time.perf_counter() - began, 0.0

    def bare() -> tuple[float, float]:
        began = time.perf_counter()
        case.bare.render(case.bare_context)
        return time.perf_counter() - began, 0.0

    sides: dict[str, Callable[[], tuple[float, float]]] = {
        "page": page,
        "templates": same_templates,
        "bare": bare,
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    order = list(sides)
    for round_ in range(WARMUP + ROUNDS):
        for name in order if round_ % 2 else reversed(order):
            result = sides[name]()
            if round_ >= WARMUP:
                samples[name].append(result)
    return samples


def _ms(values: list[float], q: str) -> float:
    if q == "median":
        return statistics.median(values) * 1000
    return statistics.quantiles(values, n=10)[8] * 1000  # p90


def prepare(client: Any, pages: Pages, user: Any) -> list[Case]:
    from django.db import connection
    from django.template import engines
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from verification.views.queue import PAGE_SIZE

    engine = engines["django"]
    cases = [
        Case(
            label=f"GET /queue/ (page 1: {PAGE_SIZE} of {pages.sizes['claims']} claims)",
            url="/queue/",
            bare=engine.from_string(BARE_QUEUE),
            bare_context=bare_queue_data(user, PAGE_SIZE),
        ),
        Case(
            label=f"GET /claims/{{id}}/ ({EVIDENCE_ROWS} evidence rows)",
            url=f"/claims/{pages.big_claim}/",
            bare=engine.from_string(BARE_CLAIM),
            bare_context=bare_claim_data(pages.big_claim, user),
        ),
    ]
    for case in cases:
        client.get(case.url)  # warm: session, content types, the role cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get(case.url)
        case.queries = len(captured)
        html = response.content.decode()
        bare_html = case.bare.render(case.bare_context)
        case.bare_bytes = len(bare_html.encode())
        template, context, request, case.page_bytes = capture_context(client, case.url)
        case.page_template, case.page_context, case.request = template, context, request
        with CaptureQueriesContext(connection) as captured:
            again = render_to_string(template, context, request=request)
        case.template_queries = len(captured)
        assert again.count("<li") >= html.count("<li") - 2, "re-rendered page lost rows"
        if "claims" in case.url:  # the bare page carries the same evidence rows
            titles = [
                row["title"] for group in case.bare_context["groups"] for row in group["rows"]
            ]
            assert len(titles) == EVIDENCE_ROWS == html.count('class="evidence-row"')
            assert all(escape(title, quote=False) in html for title in titles)
        else:
            for row in case.bare_context["rows"]:
                assert f'href="{row["href"]}"' in html, row["href"]
    return cases


def small_claim_queries(client: Any, pages: Pages) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/claims/{pages.small_claim}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def main() -> None:
    from bench.setup import bench_database

    # collectstatic is not run for benchmarks; WhiteNoise warns that STATIC_ROOT is missing.
    warnings.filterwarnings("ignore", message="No directory at")

    with bench_database(name=DATABASE):
        from django.contrib.auth.models import User
        from django.test import Client
        from django.test.utils import override_settings

        began = time.perf_counter()
        pages = build()
        built = time.perf_counter() - began
        # The manifest storage needs collectstatic; the plain one names the same files.
        plain_static = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=plain_static):
            user = User.objects.get(pk=pages.checker_id)
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            cases = prepare(client, pages, user)
            small_queries = small_claim_queries(client, pages)
            results = {case.label: run(case, client) for case in cases}

    sizes = ", ".join(f"{count} {name}" for name, count in pages.sizes.items())
    print(f"ui: {sizes} (built in {built:.0f} s); PostgreSQL")
    print(
        f"  in-process, one request at a time through Django's test client (every middleware, "
        f"a signed-in fact-checker); {ROUNDS} rounds after {WARMUP} warm-ups, the three "
        f"alternating"
    )
    print(
        "  page = the whole request; templates = the page's own templates re-rendered from its "
        "view's context; bare = one minimal template of the same data from plain lists prepared "
        "beforehand (the baseline)"
    )
    for case in cases:
        samples = results[case.label]
        print(f"  {case.label}")
        for name, title, queries, size in (
            ("page", "page", case.queries, case.page_bytes),
            ("templates", "same templates, data prepared", case.template_queries, 0),
            ("bare", "bare template, data prepared", 0, case.bare_bytes),
        ):
            times = [t for t, _ in samples[name]]
            sql = [s for _, s in samples[name]]
            extra = (
                f", of which SQL {statistics.median(sql) * 1000:.1f} ms" if name == "page" else ""
            )
            weight = f", {size / 1024:.0f} KiB" if size else ""
            print(
                f"    {title:<31} median {_ms(times, 'median'):7.1f} ms   p90 "
                f"{_ms(times, 'p90'):7.1f} ms   {queries:2d} queries{weight}{extra}"
            )
        page = statistics.median(t for t, _ in samples["page"])
        bare = statistics.median(t for t, _ in samples["bare"])
        print(f"    ratio page / bare               {page / bare:7.2f}x")
    big = next(case for case in cases if "claims" in case.url)
    same = "same" if small_queries == big.queries else "DIFFERENT"
    print(
        f"  claim page queries: {small_queries} with {SMALL_ROWS} evidence rows, {big.queries} "
        f"with {EVIDENCE_ROWS} ({same})"
    )
