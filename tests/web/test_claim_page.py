"""The claim page: what each role sees, evidence by stance, provenance, related claims, history,
the pickers, and a query count that does not grow with the evidence."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimRelation
from demo.newsroom import MERCENARIES, demo_claim, demo_load
from sources.models import Snapshot, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EvidenceFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    TagFactory,
    move,
)
from tests.factories import verdict_set as verdict
from tests.web.claim_helpers import (
    HTMX,
    claim_url,
    claim_with_evidence,
    hostile_claim,
    snapshot,
)
from verification.models import Evidence
from verification.provenance_svg import MAX_CHAINS_SHOWN, MAX_PICTURE_EDGES, MAX_PICTURE_NODES
from verification.services import evidence_add, verdict_publish, verdict_unpublish

pytestmark = pytest.mark.django_db

FORM_IDS = {
    "status-form": "fact_checker",
    "evidence-form": "fact_checker",
    "relate-form": "fact_checker",
    "assign-form": "fact_checker",
    "publish-form": "editor",
}


def _get(client, user: User, claim: Claim, **extra):
    client.force_login(user)
    return client.get(claim_url(claim), **extra)


def _text(response) -> str:
    return response.content.decode()


# --- Who may see what --------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(claim_url(ClaimFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_user_without_a_newsroom_role_is_refused(client, outsider):
    assert _get(client, outsider, ClaimFactory()).status_code == 403


def test_missing_claim_is_404(client, viewer):
    client.force_login(viewer)
    assert client.get("/claims/999999/").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_every_role_reads_the_claim(client, users_by_role, role):
    claim = ClaimFactory(text="At least 155 are fighting.")
    response = _get(client, users_by_role[role], claim)
    assert response.status_code == 200
    assert "At least 155 are fighting." in _text(response)
    assert _text(response).count("<h1") == 1


def test_viewer_sees_no_verification_controls(client, viewer):
    page = _text(_get(client, viewer, ClaimFactory()))
    for form_id in FORM_IDS:
        assert f'id="{form_id}"' not in page
    assert 'id="workflow"' not in page


def test_fact_checker_sees_the_working_forms_but_not_publishing(client, fact_checker):
    claim = verdict(ClaimFactory(), fact_checker)
    page = _text(_get(client, fact_checker, claim))
    for form_id, role in FORM_IDS.items():
        assert (f'id="{form_id}"' in page) == (role == "fact_checker"), form_id
    assert 'id="unpublish-form"' not in page


def test_editor_sees_publish_for_a_verdict_someone_else_set(client, fact_checker, editor):
    claim = verdict(ClaimFactory(), fact_checker)
    page = _text(_get(client, editor, claim))
    assert 'id="publish-form"' in page
    assert 'id="publish-refusal"' not in page


def test_editor_who_set_the_verdict_is_told_why_publishing_is_not_offered(client, editor):
    claim = verdict(ClaimFactory(), editor)
    page = _text(_get(client, editor, claim))
    assert 'id="publish-form"' not in page
    assert "Four eyes" in page


def test_self_publishing_is_offered_when_the_setting_allows(client, editor, settings):
    settings.CLAIMTRAIL_ALLOW_SELF_PUBLISH = True
    claim = verdict(ClaimFactory(), editor)
    assert 'id="publish-form"' in _text(_get(client, editor, claim))


def test_no_publish_form_before_a_verdict(client, editor):
    page = _text(_get(client, editor, ClaimFactory()))
    assert 'id="publish-form"' not in page
    assert "Only a verdict can be published" in page


def test_status_form_offers_only_the_moves_the_workflow_allows(client, fact_checker):
    claim = ClaimFactory()
    page = _text(_get(client, fact_checker, claim))
    select = re.search(r'<select id="status-to".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([a-z_]+)"', select) == ["in_review"]
    move(claim, fact_checker, Claim.Status.IN_REVIEW)
    page = _text(_get(client, fact_checker, claim))
    select = re.search(r'<select id="status-to".*?</select>', page, re.S).group(0)
    assert set(re.findall(r'value="([a-z_]+)"', select)) == {
        "unverified", "verified", "false", "misleading", "disputed", "unverifiable",
    }  # fmt: skip


def test_every_form_carries_the_version_the_user_saw(client, editor, fact_checker):
    claim = verdict(ClaimFactory(), fact_checker)
    page = _text(_get(client, editor, claim))
    versions = re.findall(r'name="version" value="(\d+)"', page)
    assert len(versions) >= 5
    assert set(versions) == {str(claim.version)}


# --- The claim ---------------------------------------------------------------------------------


def test_page_shows_the_claim_and_its_facts(client, viewer, fact_checker):
    claimant = ClaimantFactory(name="Lin Jian", title="Foreign ministry spokesperson")
    claim = ClaimFactory(
        text="No Chinese citizens fight for Russia.",
        kind=Claim.Kind.ATTRIBUTION,
        claimant=claimant,
        made_on="2025-04-01",
        made_on_precision=Claim.DatePrecision.MONTH,
        language="zh",
        assignee=fact_checker,
        needs_review=True,
        version=7,
    )
    claim.tags.add(TagFactory(name="china"))
    page = _text(_get(client, viewer, claim))
    for expected in (
        "Attribution: did the claimant say it?",
        "Lin Jian, Foreign ministry spokesperson",
        "2025-04",
        "(to the month)",
        ">zh<",
        ">china<",
        "Flagged for review",
        f">{fact_checker.username}<",
        "<dd>7</dd>",
        "Unverified",
    ):
        assert expected in page, expected


def test_published_verdict_and_its_summary_are_shown(client, viewer, fact_checker, editor):
    claim = verdict(ClaimFactory(), fact_checker)
    verdict_publish(
        claim=claim,
        actor=editor,
        public_summary="Border data confirm it.",
        expected_version=claim.version,
    )
    page = _text(_get(client, viewer, claim))
    assert "Published verdict:" in page
    assert "Border data confirm it." in page


def test_text_from_users_is_escaped(client, viewer):
    claim = ClaimFactory(text="<script>alert(1)</script> is a claim")
    source = SourceFactory(
        title='<img src=x onerror="alert(2)">', sourcing=Source.Sourcing.ORIGINAL
    )
    EvidenceFactory(claim=claim, source=source, quote="<b>quoted</b>")
    page = _text(_get(client, viewer, claim))
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "<b>quoted</b>" not in page
    assert "&lt;script&gt;alert(1)" in page


# --- Evidence ----------------------------------------------------------------------------------


def test_evidence_is_grouped_by_stance_in_the_workflow_order(client, viewer):
    claim = ClaimFactory()
    for stance, title in (
        ("context", "Background piece"),
        ("contradicts", "Ministry denial"),
        ("asserts", "Channel post"),
    ):
        EvidenceFactory(claim=claim, stance=stance, source=SourceFactory(title=title))
    page = _text(_get(client, viewer, claim))
    page = page[page.index('id="evidence"') :]
    headings = re.findall(r'<h3 id="stance-([a-z]+)-heading"', page)
    assert headings == ["asserts", "supports", "contradicts", "context"]
    assert page.index("Channel post") < page.index("Ministry denial") < page.index("Background")


def test_evidence_row_shows_outlet_grade_credibility_quote_archive_and_link(client, viewer):
    claim = claim_with_evidence(1, added_by=viewer)
    row = Evidence.objects.get(claim=claim)
    archived = Snapshot.objects.get(source=row.source, status=Snapshot.Status.ARCHIVED)
    page = _text(_get(client, viewer, claim))
    assert f'href="/sources/{row.source_id}/"' in page
    assert f'href="/outlets/{row.source.outlet_id}/"' in page
    assert "grade C" in page
    assert "C - Fairly reliable" in page
    assert row.get_credibility_display() in page
    assert 'lang="ru"' in page
    assert "цитата 0" in page
    assert "quote 0" in page
    # The latest capture failed: its reason is shown, and the last archived one is linked.
    assert "The name does not exist." in page
    assert f'href="/api/v1/snapshots/{archived.pk}/text/"' in page
    assert f'href="/api/v1/snapshots/{archived.pk}/warc/"' in page
    assert "Alive" in page


def test_party_affiliation_and_pending_capture_are_shown(client, viewer):
    claim = ClaimFactory()
    outlet = OutletFactory(name="Ministry", affiliation="state", party_to="Russia")
    ReliabilityRatingFactory(outlet=outlet, grade="E", rated_by=viewer)
    source = SourceFactory(outlet=outlet)
    snapshot(source, Snapshot.Status.PENDING)
    EvidenceFactory(claim=claim, source=source)
    page = _text(_get(client, viewer, claim))
    assert "State body" in page
    assert "party to the story: Russia" in page
    assert "grade E" in page
    assert "Pending" in page
    assert "Not checked yet" in page


def test_sensitive_source_is_hidden_from_a_viewer_everywhere(client, viewer, fact_checker):
    claim = ClaimFactory()
    hidden = SourceFactory(
        title="Informant letter", is_sensitive=True, url="", created_by=fact_checker
    )
    evidence_add(
        claim=claim,
        actor=fact_checker,
        source=SourceFactory(title="Public report"),
        stance="asserts",
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    evidence_add(
        claim=claim,
        actor=fact_checker,
        source=hidden,
        stance="supports",
        expected_version=claim.version,
    )
    move(claim, fact_checker, Claim.Status.IN_REVIEW)
    viewer_page = _text(_get(client, viewer, claim))
    assert "Informant letter" not in viewer_page
    assert "Public report" in viewer_page
    assert "1 evidence row stood" in viewer_page
    checker_page = _text(_get(client, fact_checker, claim))
    assert "Informant letter" in checker_page
    assert "2 evidence rows stood" in checker_page


# --- Related claims and history ----------------------------------------------------------------


def test_related_claims_in_both_directions(client, viewer):
    claim = ClaimFactory()
    newer = ClaimFactory(text="At least 163 are fighting.")
    denial = ClaimFactory(text="None are fighting.")
    ClaimRelationFactory(from_claim=newer, to_claim=claim, kind=ClaimRelation.Kind.UPDATES)
    ClaimRelationFactory(from_claim=denial, to_claim=claim, kind=ClaimRelation.Kind.CONTRADICTS)
    page = _text(_get(client, viewer, claim))
    assert f'href="/claims/{newer.pk}/"' in page
    assert f'href="/claims/{denial.pk}/"' in page
    # Not symmetric: the other claim updates this one. Symmetric: read from this claim's side.
    assert re.search(
        r"At least 163 are fighting\.</a>\s*<strong>updates \(supersedes\)</strong> this claim",
        page,
    )
    assert re.search(r"This claim <strong>contradicts</strong> <a", page)


def test_history_lists_changes_publications_and_evidence_newest_first(
    client, viewer, fact_checker, editor
):
    claim = ClaimFactory()
    evidence_add(
        claim=claim,
        actor=fact_checker,
        source=SourceFactory(title="First report"),
        stance="asserts",
        expected_version=claim.version,
    )
    claim = verdict(claim, fact_checker)
    verdict_publish(
        claim=claim, actor=editor, public_summary="It checks out.", expected_version=claim.version
    )
    claim.refresh_from_db()
    verdict_unpublish(
        claim=claim, actor=editor, reason="Summary was wrong.", expected_version=claim.version
    )
    page = _text(_get(client, viewer, claim))
    history = page[page.index('id="history"') :]
    order = [
        history.index("Unpublished the verdict"),
        history.index("Published the verdict Verified"),
        history.index("Status: In review → Verified"),
        history.index("Status: Unverified → In review"),
        history.index("Added evidence (asserts)"),
        history.index("Logged the claim"),
    ]
    assert order == sorted(order)
    assert "Summary was wrong." in history
    assert "1 evidence row stood" in history
    assert f"· {fact_checker.username}" in history


# --- Provenance -------------------------------------------------------------------------------


def test_demo_mercenaries_claim_shows_one_origin_and_the_chain(client, db):
    demo_load()
    claim = demo_claim(MERCENARIES)
    page = _text(_get(client, User.objects.get(username="checker"), claim))
    assert "Asserts: 1 independent origin</strong>" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    nodes = re.findall(r'<g class="pv-node[^"]*" data-source-id="(\d+)" data-layer="(\d+)"', svg)
    titles = {
        str(s.pk): s.title for s in Source.objects.filter(pk__in=[int(sid) for sid, _ in nodes])
    }
    by_layer = [titles[sid] for sid, _ in sorted(nodes, key=lambda n: int(n[1]))]
    assert by_layer[0].startswith("Newsweek")
    assert by_layer[1].startswith("PS01△ on X")
    assert by_layer[2].startswith("ZOVNovoshakhtinsk on Telegram")
    assert "ORIGIN" in svg
    chains = page[page.index('<ol class="chains"') :]
    chains = chains[: chains.index("</ol>")]
    newsweek = next(line for line in chains.split("<li") if "Newsweek:" in line)
    assert (
        newsweek.index("Newsweek:")
        < newsweek.index("PS01△ on X")
        < newsweek.index("ZOVNovoshakhtinsk on Telegram")
    )
    assert "— origin</strong>" in newsweek


def test_provenance_says_so_when_there_is_no_evidence(client, viewer):
    page = _text(_get(client, viewer, ClaimFactory()))
    assert "nothing to trace" in page
    assert "<svg" not in page


def test_a_hostile_citation_graph_makes_a_bounded_page_with_every_chain_a_link_away(client, editor):
    claim = hostile_claim(editor)
    client.force_login(editor)

    started = time.perf_counter()
    response = client.get(claim_url(claim))
    elapsed = time.perf_counter() - started

    page = _text(response)
    assert len(response.content) < 1024 * 1024
    assert elapsed < 5  # under 1 s on the desk's hardware; generous for a shared test box
    chains_url = claim_url(claim, "claim-chains")
    more = re.search(rf'<a href="{chains_url}">(.*?)</a>', page).group(1)
    assert re.fullmatch(r"(More than )?\d+ more chains: see all", more), more
    assert len(re.findall(r'<li class="chain"', page)) <= MAX_CHAINS_SHOWN
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count('<g class="pv-node') <= MAX_PICTURE_NODES
    assert svg.count('<g class="pv-edge"') <= MAX_PICTURE_EDGES
    assert f"The picture shows {MAX_PICTURE_NODES} of the" in page


def test_the_list_of_chains_pages_through_every_chain(client, editor):
    claim = hostile_claim(editor, sources=60, citations=200)
    client.force_login(editor)
    url = claim_url(claim, "claim-chains")

    first = _text(client.get(url))
    second = _text(client.get(url, {"page": 2}))
    fragment = _text(client.get(url, {"page": 2}, **HTMX))

    assert first.count('<li class="chain"') == 50
    assert 'id="chains-next"' in first
    assert 'start="51"' in second
    assert second.count('<li class="chain"') <= 50
    assert fragment.lstrip().startswith('<div id="chains-list"')
    assert f'href="/api/v1/claims/{claim.pk}/provenance/"' in first


def test_the_list_of_chains_leaves_out_sources_the_reader_may_not_see(client, viewer, editor):
    claim = ClaimFactory()
    article = SourceFactory(title="Public article", sourcing=Source.Sourcing.DERIVED)
    informant = SourceFactory(title="Informant letter", is_sensitive=True, created_by=editor)
    CitationFactory(citing=article, cited=informant)
    EvidenceFactory(claim=claim, source=article)
    client.force_login(viewer)

    page = _text(client.get(claim_url(claim, "claim-chains")))

    assert "Public article" in page
    assert "Informant letter" not in page
    assert "origin unknown" in page


def test_a_source_cited_by_several_rows_has_its_details_once(client, viewer):
    claim = ClaimFactory()
    source = SourceFactory(title="One report", url="https://example.org/" + "long/" * 40)
    snapshot(source, Snapshot.Status.ARCHIVED)
    for stance in Evidence.Stance.values:
        EvidenceFactory(claim=claim, source=source, stance=stance)

    page = _text(_get(client, viewer, claim))

    rows = list(Evidence.objects.filter(claim=claim).order_by("pk"))
    first = page.index('class="evidence-row"')

    assert page.count('class="evidence-row"') == 4
    assert page.count(f'href="{source.url}"') == 1
    assert page.count(f'id="source-{source.pk}"') == 1
    # The first row tells the source's facts; the three others link to them, and it to them.
    assert page.index(f'id="source-{source.pk}"') < page.index('class="evidence-row"', first + 1)
    assert page.count(f'href="#source-{source.pk}"') == 3
    assert all(page.count(f'href="#evidence-{row.pk}"') >= 1 for row in rows[1:])


# --- htmx and pickers --------------------------------------------------------------------------


def test_htmx_request_gets_the_page_content_only(client, viewer):
    claim = ClaimFactory()
    full = _text(_get(client, viewer, claim))
    fragment = _text(_get(client, viewer, claim, **HTMX))
    assert "<html" in full
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="claim-page"')
    assert 'aria-label="Main"' not in fragment


def test_source_picker_suggests_visible_sources_by_words_url_or_number(client, fact_checker):
    claim = ClaimFactory()
    wanted = SourceFactory(title="Telegram eulogy", url="https://t.me/s/ZOVchannel/15")
    hidden = SourceFactory(title="Telegram informant", is_sensitive=True)
    client.force_login(fact_checker)
    url = claim_url(claim, "claim-source-picker")
    page = _text(client.get(url, {"source_q": "telegram"}, **HTMX))
    assert f'value="{wanted.pk}"' in page
    assert f'value="{hidden.pk}"' not in page
    assert f'value="{wanted.pk}"' in _text(
        client.get(url, {"source_q": "https://t.me/zovchannel/15"})
    )
    assert f'value="{wanted.pk}"' in _text(client.get(url, {"source_q": f"#{wanted.pk}"}))
    assert "No source you may see" in _text(client.get(url, {"source_q": "nothing like it"}))


@pytest.mark.parametrize("query", ["#99999999999999999999999", "%", "'; DROP TABLE"])
def test_pickers_take_any_text(client, fact_checker, query):
    claim = ClaimFactory()
    client.force_login(fact_checker)
    for url, params in (
        (claim_url(claim, "claim-source-picker"), {"source_q": query}),
        (claim_url(claim, "claim-claim-picker"), {"claim_q": query}),
        (claim_url(claim), {"source_q": query, "claim_q": query}),
    ):
        assert client.get(url, params).status_code == 200


def test_claim_picker_suggests_other_claims(client, fact_checker):
    claim = ClaimFactory(text="Two mercenaries were killed.")
    other = ClaimFactory(text="Mercenaries were recruited online.")
    client.force_login(fact_checker)
    page = _text(client.get(claim_url(claim, "claim-claim-picker"), {"claim_q": "mercenaries"}))
    assert f'value="{other.pk}"' in page
    assert f'value="{claim.pk}"' not in page


def test_pickers_are_for_fact_checkers(client, viewer):
    claim = ClaimFactory()
    client.force_login(viewer)
    assert client.get(claim_url(claim, "claim-source-picker"), {"source_q": "x"}).status_code == 403
    assert client.get(claim_url(claim, "claim-claim-picker"), {"claim_q": "x"}).status_code == 403


def test_without_javascript_the_search_shows_choices_in_the_evidence_form(client, fact_checker):
    claim = ClaimFactory()
    source = SourceFactory(title="Border crossing records")
    client.force_login(fact_checker)
    page = _text(client.get(claim_url(claim), {"source_q": "border crossing"}))
    form = page[page.index('id="evidence-form"') :]
    assert f'id="source-pick-{source.pk}" name="source" value="{source.pk}"' in form


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, user: User, claim: Claim) -> int:
    client.force_login(user)
    client.get(claim_url(claim))  # warm: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(claim_url(claim))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_query_count_does_not_grow_with_the_evidence(client, users_by_role, role):
    user = users_by_role[role]
    few = claim_with_evidence(5, added_by=user)
    many = claim_with_evidence(50, added_by=user)
    for claim in (few, many):
        move(claim, users_by_role["editor"], Claim.Status.IN_REVIEW)
        ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory())
    assert _queries(client, user, few) == _queries(client, user, many)
