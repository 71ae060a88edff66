"""The provenance picture: nodes, edges, layers, marks and escaping of the server-drawn SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import User

from claims.models import Claim
from demo.newsroom import MERCENARIES, demo_claim, demo_load
from sources.models import Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
)
from verification.models import Evidence
from verification.provenance import claim_provenance
from verification.provenance_svg import (
    LOOP,
    ORIGIN,
    ORIGIN_UNKNOWN,
    TITLE_CHARS,
    ProvenancePicture,
    provenance_picture,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
ORIGINAL = Source.Sourcing.ORIGINAL
DERIVED = Source.Sourcing.DERIVED


def _picture(claim: Claim, user: User) -> ProvenancePicture:
    return provenance_picture(claim_provenance(claim=claim, user=user))


def _tree(picture: ProvenancePicture) -> ET.Element:
    # Our own markup, not untrusted input; parsing it proves it is well-formed XML.
    return ET.fromstring(str(picture.svg))  # noqa: S314


def _node_groups(tree: ET.Element) -> list[ET.Element]:
    return [g for g in tree.iter(f"{SVG}g") if "pv-node" in g.get("class", "").split()]


def _edge_groups(tree: ET.Element) -> list[ET.Element]:
    return [g for g in tree.iter(f"{SVG}g") if g.get("class") == "pv-edge"]


def _x(group: ET.Element) -> float:
    return float(group.get("transform").removeprefix("translate(").split()[0])


@pytest.fixture
def chain(editor):
    """Article -> post -> original post, the article and the post both evidence."""
    claim = ClaimFactory()
    article = SourceFactory(title="The article", sourcing=DERIVED)
    post = SourceFactory(title="The post", sourcing=DERIVED)
    origin = SourceFactory(title="The first post", sourcing=ORIGINAL)
    CitationFactory(citing=article, cited=post)
    CitationFactory(citing=post, cited=origin)
    EvidenceFactory(claim=claim, source=article)
    EvidenceFactory(claim=claim, source=post)
    return claim, article, post, origin


def test_picture_has_a_node_per_source_and_an_edge_per_citation(chain, editor):
    claim, article, post, origin = chain
    tree = _tree(_picture(claim, editor))
    assert {int(g.get("data-source-id")) for g in _node_groups(tree)} == {
        article.pk,
        post.pk,
        origin.pk,
    }
    assert {(int(g.get("data-citing")), int(g.get("data-cited"))) for g in _edge_groups(tree)} == {
        (article.pk, post.pk),
        (post.pk, origin.pk),
    }


def test_evidence_is_on_the_left_and_the_origin_at_the_end(chain, editor):
    claim, article, post, origin = chain
    picture = _picture(claim, editor)
    layers = {p.source_id: p.layer for p in picture.nodes}
    assert layers == {article.pk: 0, post.pk: 1, origin.pk: 2}
    xs = {int(g.get("data-source-id")): _x(g) for g in _node_groups(_tree(picture))}
    assert xs[article.pk] < xs[post.pk] < xs[origin.pk]


def test_origin_has_a_double_border_and_the_word(chain, editor):
    claim, _, _, origin = chain
    tree = _tree(_picture(claim, editor))
    [group] = [g for g in _node_groups(tree) if g.get("data-source-id") == str(origin.pk)]
    assert "pv-origin" in group.get("class")
    assert len(group.findall(f"{SVG}rect")) == 2
    assert "ORIGIN" in "".join(group.itertext())


def test_origin_unknown_is_dashed_and_says_so(editor):
    claim = ClaimFactory()
    dead_end = SourceFactory(title="Says who?", sourcing=Source.Sourcing.UNKNOWN)
    EvidenceFactory(claim=claim, source=dead_end)
    picture = _picture(claim, editor)
    [group] = _node_groups(_tree(picture))
    assert "pv-unknown" in group.get("class")
    assert group.find(f"{SVG}rect").get("stroke-dasharray")
    assert "origin unknown" in "".join(group.itertext())
    [only] = picture.chains
    assert only.end == ORIGIN_UNKNOWN


def test_titles_are_escaped_everywhere(editor):
    claim = ClaimFactory()
    nasty = '<script>alert("x")</script> & <b>bold</b>'
    outlet = OutletFactory(name="<img src=x onerror=alert(1)>", party_to='"Side" <A>')
    source = SourceFactory(title=nasty, outlet=outlet, sourcing=ORIGINAL)
    EvidenceFactory(claim=claim, source=source)
    svg = str(_picture(claim, editor).svg)
    assert "<script" not in svg
    assert "<img" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp;" in svg
    tree = ET.fromstring(svg)  # noqa: S314
    assert nasty in "".join(tree.itertext())  # the text itself survives, escaped


def test_long_titles_are_cut_short_with_the_full_title_in_the_tooltip(editor):
    claim = ClaimFactory()
    long_title = "A very long headline " * 10
    source = SourceFactory(title=long_title.strip(), sourcing=ORIGINAL)
    EvidenceFactory(claim=claim, source=source)
    [group] = _node_groups(_tree(_picture(claim, editor)))
    shown = group.findall(f"{SVG}text")[0].text
    assert len(shown) <= TITLE_CHARS
    assert shown.endswith("…")
    assert long_title.strip() in group.find(f"{SVG}title").text


def test_svg_has_a_title_and_description_and_an_image_role(chain, editor):
    claim, *_ = chain
    tree = _tree(_picture(claim, editor))
    assert tree.get("role") == "img"
    title_id, desc_id = tree.get("aria-labelledby").split()
    assert tree.find(f"{SVG}title").get("id") == title_id
    desc = tree.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert "asserts: 1 independent origin" in desc.text


def test_chains_run_from_each_evidence_source_to_its_origin(chain, editor):
    claim, article, post, origin = chain
    picture = _picture(claim, editor)
    paths = [([s.source_id for s in c.steps], c.end) for c in picture.chains]
    assert ([article.pk, post.pk, origin.pk], ORIGIN) in paths
    assert ([post.pk, origin.pk], ORIGIN) in paths
    assert len(paths) == 2


def test_a_loop_is_drawn_and_listed_without_walking_forever(editor):
    claim = ClaimFactory()
    a = SourceFactory(title="A", sourcing=DERIVED)
    b = SourceFactory(title="B", sourcing=DERIVED)
    CitationFactory(citing=a, cited=b)
    CitationFactory(citing=b, cited=a)
    EvidenceFactory(claim=claim, source=a)
    picture = _picture(claim, editor)
    assert len(_edge_groups(_tree(picture))) == 2
    [looped] = picture.chains
    assert looped.end == LOOP
    assert looped.loops_to.source_id == a.pk


def test_layout_is_the_same_every_time(chain, editor):
    claim, *_ = chain
    assert str(_picture(claim, editor).svg) == str(_picture(claim, editor).svg)


def test_diamond_is_one_origin_and_one_node(editor):
    claim = ClaimFactory()
    left = SourceFactory(sourcing=DERIVED)
    right = SourceFactory(sourcing=DERIVED)
    top = SourceFactory(sourcing=ORIGINAL)
    for source in (left, right):
        CitationFactory(citing=source, cited=top)
        EvidenceFactory(claim=claim, source=source)
    picture = _picture(claim, editor)
    assert len(picture.nodes) == 3
    assert picture.edge_count == 2
    assert picture.stances[0].independent_origins == 1


def test_party_and_same_owner_are_marked(editor):
    claim = ClaimFactory()
    ministry = OutletFactory(name="Ministry", party_to="Russia", owner="State")
    channel = OutletFactory(name="Channel", owner="State")
    for outlet in (ministry, channel):
        EvidenceFactory(claim=claim, source=SourceFactory(outlet=outlet, sourcing=ORIGINAL))
    picture = _picture(claim, editor)
    assert picture.parties == (("Ministry", "Russia"),)
    [group] = picture.groups
    assert group.what == "same owner"
    text = "".join(_tree(picture).itertext())
    assert "party: Russia" in text
    assert f"[{group.tag}]" in text


def test_grade_shows_in_the_node(editor):
    claim = ClaimFactory()
    outlet = OutletFactory(name="Wire")
    ReliabilityRatingFactory(outlet=outlet, grade="B", rated_by=editor)
    EvidenceFactory(claim=claim, source=SourceFactory(outlet=outlet, sourcing=ORIGINAL))
    assert "Wire · grade B" in "".join(_tree(_picture(claim, editor)).itertext())


def test_no_evidence_no_picture(editor):
    picture = _picture(ClaimFactory(), editor)
    assert picture.is_empty
    assert str(picture.svg) == ""


def test_sensitive_sources_the_user_may_not_see_are_not_drawn(viewer):
    claim = ClaimFactory()
    hidden = SourceFactory(title="Informant", sourcing=ORIGINAL, is_sensitive=True)
    shown = SourceFactory(title="Article", sourcing=DERIVED)
    CitationFactory(citing=shown, cited=hidden)
    EvidenceFactory(claim=claim, source=shown)
    EvidenceFactory(claim=claim, source=hidden, stance=Evidence.Stance.SUPPORTS)
    picture = _picture(claim, viewer)
    assert [p.source_id for p in picture.nodes] == [shown.pk]
    assert "Informant" not in str(picture.svg)


def test_demo_mercenaries_picture_runs_newsweek_to_x_to_telegram(db):
    demo_load()
    claim = demo_claim(MERCENARIES)
    picture = _picture(claim, User.objects.get(username="checker"))
    by_layer = sorted(picture.nodes, key=lambda p: p.layer)
    assert [p.layer for p in by_layer] == [0, 1, 2]
    assert [p.node.title.split(":")[0].split(" on ")[0] for p in by_layer] == [
        "Newsweek",
        "PS01△",
        "ZOVNovoshakhtinsk",
    ]
    assert by_layer[2].node.is_origin
    asserts = next(s for s in picture.stances if s.stance == Evidence.Stance.ASSERTS)
    assert asserts.independent_origins == 1
    longest = max(picture.chains, key=lambda c: len(c.steps))
    assert [s.source_id for s in longest.steps] == [p.source_id for p in by_layer]
    assert longest.end == ORIGIN
