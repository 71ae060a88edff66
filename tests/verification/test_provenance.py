"""Provenance: walking evidence up its citations to origins, and counting independent voices."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from claims.services import claim_create
from sources.models import Citation, Outlet, Source
from sources.services import citation_create, source_create
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
)
from verification.models import Evidence
from verification.provenance import Provenance, claim_provenance
from verification.selectors import claim_published
from verification.services import claim_status_change, evidence_add, verdict_publish

pytestmark = pytest.mark.django_db

ORIGINAL = Source.Sourcing.ORIGINAL
ASSERTS = Evidence.Stance.ASSERTS
CONTRADICTS = Evidence.Stance.CONTRADICTS


def _source(outlet: Outlet | None = None, sourcing: str = Source.Sourcing.UNKNOWN, **kw) -> Source:
    return SourceFactory(outlet=outlet or OutletFactory(), sourcing=sourcing, **kw)


def _cites(citing: Source, *cited: Source) -> None:
    for source in cited:
        CitationFactory(citing=citing, cited=source)


def _evidence(claim: Claim, *sources: Source, stance: str = ASSERTS) -> None:
    for source in sources:
        EvidenceFactory(claim=claim, source=source, stance=stance)


def _node(prov: Provenance, source: Source):
    return next(node for node in prov.nodes if node.source_id == source.pk)


def _trace(prov: Provenance, source: Source):
    return next(trace for trace in prov.evidence if trace.source_id == source.pk)


# --- Independent origins -----------------------------------------------------------------------


def test_magazine_citing_an_x_post_citing_a_telegram_post_is_one_origin(editor):
    claim = ClaimFactory()
    telegram = _source(OutletFactory(name="Channel", kind=Outlet.Kind.MESSAGING_CHANNEL), ORIGINAL)
    xpost = _source(OutletFactory(name="Account", kind=Outlet.Kind.SOCIAL_ACCOUNT))
    magazine = _source(OutletFactory(name="Magazine", kind=Outlet.Kind.MAGAZINE))
    _cites(magazine, xpost)
    _cites(xpost, telegram)
    _evidence(claim, magazine, xpost)

    prov = claim_provenance(claim=claim, user=editor)

    asserts = prov.stance(ASSERTS)
    assert (asserts.evidence_count, asserts.independent_origins) == (2, 1)
    assert asserts.origin_unknown_count == 0
    assert [voice.origin_ids for voice in asserts.voices] == [(telegram.pk,)]
    assert asserts.voices[0].label == "Channel"
    assert _trace(prov, magazine).origin_ids == _trace(prov, xpost).origin_ids == (telegram.pk,)
    assert _node(prov, telegram).is_origin and not _node(prov, telegram).is_evidence
    assert _node(prov, magazine).is_evidence and not _node(prov, magazine).is_origin
    assert {(e.citing_id, e.cited_id) for e in prov.edges} == {
        (magazine.pk, xpost.pk),
        (xpost.pk, telegram.pk),
    }
    assert not prov.truncated


def test_three_outlets_repeating_one_telegram_post_count_once(editor):
    claim = ClaimFactory()
    telegram = _source(sourcing=ORIGINAL)
    outlets = [_source() for _ in range(3)]
    for repeater in outlets:
        _cites(repeater, telegram)
    _evidence(claim, *outlets)

    asserts = claim_provenance(claim=claim, user=editor).stance(ASSERTS)

    assert (asserts.evidence_count, asserts.independent_origins) == (3, 1)


def test_two_origins_from_two_outlets_count_twice(editor):
    claim = ClaimFactory()
    first, second = _source(sourcing=ORIGINAL), _source(sourcing=ORIGINAL)
    a, b = _source(), _source()
    _cites(a, first)
    _cites(b, second)
    _evidence(claim, a, b)

    asserts = claim_provenance(claim=claim, user=editor).stance(ASSERTS)

    assert asserts.independent_origins == 2
    assert sorted(v.origin_ids for v in asserts.voices) == [(first.pk,), (second.pk,)]


def test_an_original_evidence_source_is_its_own_origin(editor):
    claim = ClaimFactory()
    original = _source(sourcing=ORIGINAL)
    _evidence(claim, original)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 1
    assert _trace(prov, original).origin_ids == (original.pk,)
    assert not _trace(prov, original).origin_unknown


def test_two_origins_from_the_same_outlet_are_one_voice(editor):
    claim = ClaimFactory()
    ministry = OutletFactory(name="Ministry", kind=Outlet.Kind.GOVERNMENT)
    first, second = _source(ministry, ORIGINAL), _source(ministry, ORIGINAL)
    _evidence(claim, first, second)

    asserts = claim_provenance(claim=claim, user=editor).stance(ASSERTS)

    assert asserts.independent_origins == 1
    assert asserts.voices[0].origin_ids == tuple(sorted([first.pk, second.pk]))
    assert asserts.voices[0].label == "Ministry"


@pytest.mark.parametrize("second_owner", ["State Media Holding", "state media holding"])
def test_two_origins_from_outlets_with_one_owner_are_one_voice(editor, second_owner):
    claim = ClaimFactory()
    first = _source(OutletFactory(owner="State Media Holding"), ORIGINAL)
    second = _source(OutletFactory(owner=second_owner), ORIGINAL)
    _evidence(claim, first, second)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 1
    assert [g.source_ids for g in prov.shared_owners] == [tuple(sorted([first.pk, second.pk]))]


def test_two_origins_without_an_outlet_are_two_voices(editor):
    claim = ClaimFactory()
    first = SourceFactory(outlet=None, sourcing=ORIGINAL, url="", canonical_url=None)
    second = SourceFactory(outlet=None, sourcing=ORIGINAL, url="", canonical_url=None)
    _evidence(claim, first, second)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 2
    assert _node(prov, first).outlet is None


def test_a_chain_logged_through_the_services_is_one_origin_and_its_verdict_publishes(
    fact_checker, editor
):
    claim = claim_create(actor=fact_checker, text="Two soldiers were killed.")
    telegram = source_create(
        actor=fact_checker,
        kind="social_post",
        url="https://t.me/s/SomeChannel/10",
        sourcing="original",
    )
    xpost = source_create(
        actor=fact_checker, kind="social_post", url="https://twitter.com/Acct/status/5?s=20"
    )
    magazine = source_create(actor=fact_checker, kind="article", url="https://www.mag.example/a")
    citation_create(actor=fact_checker, citing=magazine, cited=xpost)
    citation_create(actor=fact_checker, citing=xpost, cited=telegram)
    for source in (magazine, xpost):
        claim.refresh_from_db()
        evidence_add(
            claim=claim,
            actor=fact_checker,
            source=source,
            stance=ASSERTS,
            expected_version=claim.version,
        )

    prov = claim_provenance(claim=claim, user=fact_checker)

    asserts = prov.stance(ASSERTS)
    assert (asserts.evidence_count, asserts.independent_origins) == (2, 1)
    assert [v.origin_ids for v in asserts.voices] == [(telegram.pk,)]
    assert len({magazine.outlet_id, xpost.outlet_id, telegram.outlet_id}) == 3
    for to_status, rationale in (("in_review", "Taking it."), ("unverifiable", "One origin.")):
        claim.refresh_from_db()
        claim_status_change(
            claim=claim,
            actor=fact_checker,
            to_status=to_status,
            rationale=rationale,
            expected_version=claim.version,
        )
    claim.refresh_from_db()
    publication = verdict_publish(
        claim=claim, actor=editor, public_summary="Cannot verify.", expected_version=claim.version
    )
    assert publication.verdict == "unverifiable"
    assert claim_published(claim=claim) == publication


# --- Unknown origins, cycles, diamonds, depth --------------------------------------------------


@pytest.mark.parametrize("sourcing", [Source.Sourcing.UNKNOWN, Source.Sourcing.DERIVED])
def test_a_source_citing_nothing_is_origin_unknown_not_an_origin(editor, sourcing):
    claim = ClaimFactory()
    lonely = _source(sourcing=sourcing)
    _evidence(claim, lonely)

    prov = claim_provenance(claim=claim, user=editor)

    asserts = prov.stance(ASSERTS)
    assert (asserts.independent_origins, asserts.origin_unknown_count) == (0, 1)
    assert asserts.voices == ()
    trace = _trace(prov, lonely)
    assert (trace.origin_ids, trace.origin_unknown, trace.unknown_ids) == ((), True, (lonely.pk,))
    assert _node(prov, lonely).is_dead_end


def test_a_chain_ending_without_an_origin_is_origin_unknown(editor):
    claim = ClaimFactory()
    article, upstream = _source(), _source()
    _cites(article, upstream)
    _evidence(claim, article)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).origin_unknown_count == 1
    assert _trace(prov, article).unknown_ids == (upstream.pk,)
    assert not _node(prov, article).is_dead_end
    assert _node(prov, upstream).is_dead_end


def test_a_source_with_one_known_and_one_unknown_branch_counts_its_origin(editor):
    claim = ClaimFactory()
    origin, dead_end, article = _source(sourcing=ORIGINAL), _source(), _source()
    _cites(article, origin, dead_end)
    _evidence(claim, article)

    prov = claim_provenance(claim=claim, user=editor)

    trace = _trace(prov, article)
    assert (trace.origin_ids, trace.unknown_ids) == ((origin.pk,), (dead_end.pk,))
    assert prov.stance(ASSERTS).independent_origins == 1


def test_a_citation_cycle_terminates_and_is_origin_unknown(editor):
    claim = ClaimFactory()
    a, b = _source(), _source()
    _cites(a, b)
    _cites(b, a)
    _evidence(claim, a)

    prov = claim_provenance(claim=claim, user=editor)

    asserts = prov.stance(ASSERTS)
    assert (asserts.independent_origins, asserts.origin_unknown_count) == (0, 1)
    assert _trace(prov, a).origin_unknown
    assert len(prov.edges) == 2
    assert not prov.truncated


def test_a_cycle_next_to_an_origin_still_finds_it(editor):
    claim = ClaimFactory()
    a, b, origin = _source(), _source(), _source(sourcing=ORIGINAL)
    _cites(a, b)
    _cites(b, a, origin)
    _evidence(claim, a, b)

    asserts = claim_provenance(claim=claim, user=editor).stance(ASSERTS)

    assert (asserts.independent_origins, asserts.origin_unknown_count) == (1, 0)


def test_a_diamond_counts_its_common_origin_once(editor):
    claim = ClaimFactory()
    a, b, c, d = _source(), _source(), _source(), _source(sourcing=ORIGINAL)
    _cites(a, b, c)
    _cites(b, d)
    _cites(c, d)
    _evidence(claim, a)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 1
    assert _trace(prov, a).origin_ids == (d.pk,)
    assert [node.source_id for node in prov.nodes] == sorted([a.pk, b.pk, c.pk, d.pk])
    assert len(prov.edges) == 4


def _chain(length: int) -> list[Source]:
    """Sources s0 -> s1 -> ... -> s{length}, the last one original."""
    sources = [_source() for _ in range(length)] + [_source(sourcing=ORIGINAL)]
    for citing, cited in itertools.pairwise(sources):
        _cites(citing, cited)
    return sources


def test_the_depth_limit_stops_the_walk_and_says_so(editor):
    claim = ClaimFactory()
    chain = _chain(4)
    _evidence(claim, chain[0])

    prov = claim_provenance(claim=claim, user=editor, max_depth=2)

    assert prov.truncated
    assert prov.notes
    assert prov.stance(ASSERTS).independent_origins == 0
    assert _trace(prov, chain[0]).unknown_ids == (chain[2].pk,)
    assert chain[-1].pk not in {node.source_id for node in prov.nodes}


def test_a_chain_within_the_depth_limit_is_not_truncated(editor):
    claim = ClaimFactory()
    chain = _chain(2)
    _evidence(claim, chain[0])

    prov = claim_provenance(claim=claim, user=editor, max_depth=2)

    assert (prov.truncated, prov.notes) == (False, ())
    assert prov.stance(ASSERTS).independent_origins == 1


def test_the_depth_limit_defaults_to_the_setting(settings, editor):
    claim = ClaimFactory()
    _evidence(claim, _chain(4)[0])

    settings.CLAIMTRAIL_PROVENANCE_MAX_DEPTH = 3
    assert claim_provenance(claim=claim, user=editor).truncated
    settings.CLAIMTRAIL_PROVENANCE_MAX_DEPTH = 4
    assert not claim_provenance(claim=claim, user=editor).truncated


# --- Stances, parties, shared outlets and owners -----------------------------------------------


def test_contradicting_evidence_is_counted_under_its_own_stance(editor):
    claim = ClaimFactory()
    telegram = _source(sourcing=ORIGINAL)
    repeaters = [_source(), _source()]
    for repeater in repeaters:
        _cites(repeater, telegram)
    _evidence(claim, *repeaters)
    denial, crossing_data = _source(sourcing=ORIGINAL), _source(sourcing=ORIGINAL)
    _evidence(claim, denial, crossing_data, stance=CONTRADICTS)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 1
    assert prov.stance(CONTRADICTS).independent_origins == 2
    assert prov.stance(CONTRADICTS).evidence_count == 2
    assert prov.stance(Evidence.Stance.SUPPORTS).evidence_count == 0
    assert [s.stance for s in prov.stances] == Evidence.Stance.values


def test_the_same_origin_under_two_stances_counts_under_each(editor):
    claim = ClaimFactory()
    statement = _source(sourcing=ORIGINAL)
    _evidence(claim, statement, stance=ASSERTS)
    _evidence(claim, statement, stance=Evidence.Stance.CONTEXT)

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.stance(ASSERTS).independent_origins == 1
    assert prov.stance(Evidence.Stance.CONTEXT).independent_origins == 1
    assert len(prov.nodes) == 1


def test_outlets_that_are_parties_to_the_story_are_listed(editor):
    claim = ClaimFactory()
    ministry = OutletFactory(
        name="Ministry of Defence",
        kind=Outlet.Kind.GOVERNMENT,
        affiliation=Outlet.Affiliation.STATE,
        party_to="Ukraine",
    )
    statement = _source(ministry, ORIGINAL)
    article = _source()
    _cites(article, statement)
    _evidence(claim, article)

    prov = claim_provenance(claim=claim, user=editor)

    assert [(g.label, g.source_ids) for g in prov.parties] == [
        ("Ministry of Defence (party: Ukraine)", (statement.pk,))
    ]
    outlet = _node(prov, statement).outlet
    assert (outlet.party_to, outlet.affiliation) == ("Ukraine", "state")


def test_sources_from_the_same_outlet_are_listed_as_shared(editor):
    claim = ClaimFactory()
    wire = OutletFactory(name="Wire")
    first, second = _source(wire), _source(wire)
    alone = _source(OutletFactory(name="Alone"))
    _evidence(claim, first, second, alone)

    prov = claim_provenance(claim=claim, user=editor)

    assert [(g.label, g.source_ids) for g in prov.shared_outlets] == [
        ("Wire", tuple(sorted([first.pk, second.pk])))
    ]


def test_two_outlets_that_only_share_a_name_are_not_one_outlet(editor):
    claim = ClaimFactory()
    _evidence(claim, _source(OutletFactory(name="Daily News")))
    _evidence(claim, _source(OutletFactory(name="Daily News")))

    prov = claim_provenance(claim=claim, user=editor)

    assert prov.shared_outlets == ()


def test_outlets_with_one_owner_are_listed_but_one_outlet_alone_is_not(editor):
    claim = ClaimFactory()
    first = _source(OutletFactory(owner="Holding"))
    second = _source(OutletFactory(owner="Holding"))
    solo = OutletFactory(owner="Solo Owner")
    _evidence(claim, first, second, _source(solo), _source(solo))

    prov = claim_provenance(claim=claim, user=editor)

    assert [(g.label, g.source_ids) for g in prov.shared_owners] == [
        ("Holding", tuple(sorted([first.pk, second.pk])))
    ]


def test_nodes_carry_the_outlets_current_grade(editor):
    claim = ClaimFactory()
    outlet = OutletFactory()
    ReliabilityRatingFactory(outlet=outlet, grade="C")
    ReliabilityRatingFactory(outlet=outlet, grade="A")
    source = _source(outlet)
    _evidence(claim, source)

    prov = claim_provenance(claim=claim, user=editor)

    assert _node(prov, source).outlet.grade == "A"


def test_a_claim_without_evidence_has_an_empty_provenance(editor):
    prov = claim_provenance(claim=ClaimFactory(), user=editor)

    assert (prov.nodes, prov.edges, prov.evidence) == ((), (), ())
    assert all(s.independent_origins == 0 for s in prov.stances)


def test_provenance_as_dict_is_json_serializable(editor):
    claim = ClaimFactory()
    origin = _source(OutletFactory(party_to="Russia", owner="Holding"), ORIGINAL)
    ReliabilityRatingFactory(outlet=origin.outlet, grade="E")
    article = _source()
    _cites(article, origin)
    _evidence(claim, article, origin)

    data = json.loads(json.dumps(claim_provenance(claim=claim, user=editor).as_dict()))

    assert data["claim_id"] == claim.pk
    asserts = next(s for s in data["stances"] if s["stance"] == "asserts")
    assert asserts["independent_origins"] == 1
    assert {n["source_id"] for n in data["nodes"]} == {article.pk, origin.pk}
    assert data["parties"][0]["source_ids"] == [origin.pk]


# --- Cost --------------------------------------------------------------------------------------


def _three_level_claim(evidence_rows: int) -> Claim:
    """Each evidence source cites its own chain of three citations up to one shared origin."""
    claim = ClaimFactory()
    origin = _source(sourcing=ORIGINAL)
    for _ in range(evidence_rows):
        article, relay, post = _source(), _source(), _source()
        _cites(article, relay)
        _cites(relay, post)
        _cites(post, origin)
        _evidence(claim, article)
    return claim


def _deep_claim(evidence_rows: int, depth: int) -> Claim:
    claim = ClaimFactory()
    for _ in range(evidence_rows):
        _evidence(claim, _chain(depth)[0])
    return claim


def _provenance_queries(claim: Claim, user) -> list[str]:
    claim_provenance(claim=claim, user=user)  # warm: the reader's access rule is read once
    with CaptureQueriesContext(connection) as queries:
        claim_provenance(claim=claim, user=user)
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("who", ["editor", "fact_checker"])
def test_provenance_costs_the_same_queries_however_deep_or_wide(request, who):
    user = request.getfixturevalue(who)
    shallow, deep = _three_level_claim(1), _deep_claim(10, depth=20)

    small, large = _provenance_queries(shallow, user), _provenance_queries(deep, user)

    # Evidence, the walk, the outlets: the walk is one recursive query.
    assert len(small) == len(large) == 3, large
    assert sum("RECURSIVE" in sql for sql in large) == 1
    prov = claim_provenance(claim=deep, user=user)
    assert prov.stance(ASSERTS).independent_origins == 10
    assert len(prov.nodes) == 10 * 21
    assert not prov.truncated


def test_the_walk_is_bounded_in_a_graph_full_of_loops(editor):
    claim = ClaimFactory()
    ring = [_source() for _ in range(30)]
    for n, citing in enumerate(ring):
        _cites(citing, ring[(n + 1) % 30], ring[(n + 7) % 30])
    _evidence(claim, ring[0])

    prov = claim_provenance(claim=claim, user=editor, max_depth=25)

    assert len(prov.nodes) == 30
    assert len(prov.edges) == 60
    assert prov.stance(ASSERTS).origin_unknown_count == 1


# --- via: which of a source's citations carry this claim --------------------------------------


def _add_via(claim: Claim, actor, source: Source, *cited: Source) -> Evidence:
    claim.refresh_from_db()
    via = [Citation.objects.get(citing=source, cited=target) for target in cited]
    return evidence_add(
        claim=claim,
        actor=actor,
        source=source,
        stance=ASSERTS,
        expected_version=claim.version,
        via=via,
    )


def test_a_report_citing_several_sources_passes_a_claim_only_the_origins_named_in_via(
    fact_checker,
):
    report = _source(sourcing=Source.Sourcing.DERIVED)
    dataset, statement = _source(sourcing=ORIGINAL), _source(sourcing=ORIGINAL)
    _cites(report, dataset, statement)
    scoped, unscoped = ClaimFactory(), ClaimFactory()
    _add_via(scoped, fact_checker, report, dataset)
    _evidence(unscoped, report)

    narrow = claim_provenance(claim=scoped, user=fact_checker)
    wide = claim_provenance(claim=unscoped, user=fact_checker)

    assert _trace(narrow, report).origin_ids == (dataset.pk,)
    assert narrow.stance(ASSERTS).independent_origins == 1
    assert {node.source_id for node in narrow.nodes} == {report.pk, dataset.pk}
    assert _trace(wide, report).origin_ids == tuple(sorted((dataset.pk, statement.pk)))
    assert wide.stance(ASSERTS).independent_origins == 2


def test_via_scoping_applies_where_the_walk_meets_the_source_again(fact_checker):
    report = _source(sourcing=Source.Sourcing.DERIVED)
    dataset, statement = _source(sourcing=ORIGINAL), _source(sourcing=ORIGINAL)
    _cites(report, dataset, statement)
    relay = _source(sourcing=Source.Sourcing.DERIVED)
    _cites(relay, report)
    claim = ClaimFactory()
    _add_via(claim, fact_checker, report, dataset)
    _evidence(claim, relay)

    prov = claim_provenance(claim=claim, user=fact_checker)

    assert _trace(prov, relay).origin_ids == (dataset.pk,)


def test_via_to_a_hidden_source_leaves_the_viewer_an_unknown_origin_and_no_trace_of_it(
    editor, viewer
):
    report = _source(sourcing=Source.Sourcing.DERIVED)
    informant = _source(sourcing=ORIGINAL, is_sensitive=True)
    _cites(report, informant)
    claim = ClaimFactory()
    _add_via(claim, editor, report, informant)

    seen_by_viewer = claim_provenance(claim=claim, user=viewer)

    assert _trace(seen_by_viewer, report).origin_unknown
    assert informant.pk not in {node.source_id for node in seen_by_viewer.nodes}
    assert seen_by_viewer.stance(ASSERTS).independent_origins == 0
    assert claim_provenance(claim=claim, user=editor).stance(ASSERTS).independent_origins == 1
