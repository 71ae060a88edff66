"""Journeys through the desk in a real browser, on the demo newsroom.

Each test's data is in place before Playwright starts (fixtures); what a test reads from the
database in the middle of a journey goes through ``orm`` (a helper thread). Every page visited
is saved as a screenshot under var/screenshots/<test>/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.ui.axe import axe_run
from tests.ui.conftest import PASSWORD, Newsroom, orm, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_SOURCE_URL = (
    "https://www.example-factcheck.org/2025/04/sprite-and-cola-photos-reused?utm_source=x"
)
NEW_SOURCE_TITLE = "Example Fact Check: the 'Sprite' and 'Cola' photos predate the war"
VERDICT_RATIONALE = (
    "The only origin is one anonymous Telegram eulogy; a fact-check traces its photos to 2019."
)


# --- Reads and writes outside the browser (ORM, before Playwright or in a helper thread) ---------


def _claim_state(claim_id: int) -> dict[str, Any]:
    from claims.models import Claim
    from verification.models import StatusChange

    claim = Claim.objects.get(pk=claim_id)
    changes = StatusChange.objects.filter(claim=claim).order_by("pk")
    return {
        "status": claim.status,
        "version": claim.version,
        "changes": [(c.from_status, c.to_status, c.actor.username, c.rationale) for c in changes],
        "evidence": claim.evidence.count(),
    }


def _move(claim_id: int, username: str, *moves: tuple[str, str]) -> None:
    from django.contrib.auth.models import User

    from claims.models import Claim
    from verification.services import claim_status_change

    actor = User.objects.get(username=username)
    for to_status, rationale in moves:
        claim = Claim.objects.get(pk=claim_id)
        claim_status_change(
            claim=claim,
            actor=actor,
            to_status=to_status,
            rationale=rationale,
            expected_version=claim.version,
        )


@pytest.fixture
def mercenaries(newsroom: Newsroom) -> int:
    return newsroom.claims["mercenaries"]


@pytest.fixture
def mercenaries_unverified(mercenaries: int) -> int:
    """The demo has the claim in review already; the first journey takes it from the start."""
    _move(mercenaries, "checker", ("unverified", "Back to the pile until someone takes it."))
    return mercenaries


@pytest.fixture
def mercenaries_disputed(mercenaries: int) -> int:
    """A verdict the demo fact-checker set: the editor (another person) may publish it."""
    _move(mercenaries, "checker", ("disputed", VERDICT_RATIONALE))
    return mercenaries


def _main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")


def _csrf_token(page: Any) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "csrftoken" in cookies, "the page set no CSRF cookie"
    return cookies["csrftoken"]


# --- Journeys -----------------------------------------------------------------------------------


def test_fact_checker_finds_the_claim_adds_contradicting_evidence_and_reaches_a_verdict(
    mercenaries_unverified: int, desks: Any
) -> None:
    claim_id = mercenaries_unverified
    desk = desks("checker")
    page = desk.page

    _main_nav(page).get_by_role("link", name="Search").click()
    page.get_by_label("Search claims and sources").fill("ZOVNovoshakhtinsk")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#search-results")
    claim_link = results.get_by_role("link", name=re.compile("'Sprite' and 'Cola'"))
    expect(claim_link.first).to_be_visible()
    desk.shot("search-results")

    claim_link.first.click()
    page.wait_for_url(f"**/claims/{claim_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("'Sprite' and 'Cola'")
    desk.shot("claim-page")

    evidence_form = page.locator("#evidence-form")
    evidence_form.get_by_label("Or paste the source's URL").fill(NEW_SOURCE_URL)
    evidence_form.get_by_label("Title of new source").fill(NEW_SOURCE_TITLE)
    evidence_form.get_by_label("Stance").select_option("contradicts")
    evidence_form.get_by_label("Credibility").select_option("2")
    evidence_form.get_by_label("Quote", exact=True).fill(
        "The two photos circulated in 2019, years before the posts."
    )
    evidence_form.get_by_role("button", name="Add evidence").click()
    contradicts = page.locator("section.stance-contradicts")
    expect(contradicts.get_by_role("link", name=NEW_SOURCE_TITLE, exact=True)).to_be_visible()
    desk.shot("evidence-added")

    status_form = page.locator("#status-form")
    status_form.get_by_label("New status").select_option("in_review")
    status_form.get_by_label("Rationale").fill("Taking it: a fact-check contradicts the eulogy.")
    status_form.get_by_role("button", name="Change status").click()
    expect(page.locator("#claim-page .claim-facts")).to_contain_text("In review")
    desk.shot("in-review")

    status_form = page.locator("#status-form")
    status_form.get_by_label("New status").select_option("disputed")
    status_form.get_by_label("Rationale").fill(VERDICT_RATIONALE)
    status_form.get_by_role("button", name="Change status").click()
    expect(page.locator("#claim-page .claim-facts")).to_contain_text("Disputed")

    history = page.locator("#history")
    expect(history).to_contain_text("Unverified → In review")
    expect(history).to_contain_text("Taking it: a fact-check contradicts the eulogy.")
    expect(history).to_contain_text("In review → Disputed")
    expect(history).to_contain_text(VERDICT_RATIONALE)
    history.scroll_into_view_if_needed()
    desk.shot("verdict-in-timeline")

    def stored() -> dict[str, Any]:
        from sources.canonical import canonicalize
        from sources.models import Source

        source = Source.objects.get(canonical_url=canonicalize(NEW_SOURCE_URL))
        return {
            "claim": _claim_state(claim_id),
            "stance": source.evidence.get(claim_id=claim_id).stance,
            "captures": list(source.snapshots.values_list("status", flat=True)),
        }

    state = orm(stored)
    assert state["claim"]["status"] == "disputed"
    assert [c[:3] for c in state["claim"]["changes"][-2:]] == [
        ("unverified", "in_review", "checker"),
        ("in_review", "disputed", "checker"),
    ]
    assert state["stance"] == "contradicts"
    assert state["captures"] == ["pending"]  # queued for the worker; nothing fetched here


def test_editor_publishes_the_verdict_and_the_api_shows_it(
    mercenaries_disputed: int, desks: Any
) -> None:
    claim_id = mercenaries_disputed
    desk = desks("editor")
    page = desk.page
    desk.goto(f"/claims/{claim_id}/", "claim-page")
    summary = "Disputed: the one origin is an anonymous eulogy, and its photos predate the war."
    publish = page.get_by_role("form", name="Publish the verdict")
    publish.get_by_label("Public summary").fill(summary)
    publish.get_by_role("button", name="Publish verdict").click()
    published = page.locator("#published")
    expect(published).to_contain_text("Published verdict: Disputed")
    expect(published).to_contain_text(summary)
    desk.shot("published")

    response = page.request.get(f"/api/v1/claims/{claim_id}/")
    assert response.status == 200, response.text()
    body = response.json()
    assert body["published_verdict"] == "disputed"
    assert body["status"] == "disputed"
    history = page.request.get(f"/api/v1/claims/{claim_id}/publications/")
    if history.status == 200:  # the corrections log, where the API has it
        assert summary in history.text()


def test_viewer_sees_no_verification_controls_and_a_forged_status_post_is_refused(
    mercenaries: int, desks: Any
) -> None:
    claim_id = mercenaries
    before = orm(_claim_state, claim_id)
    desk = desks("viewer")
    page = desk.page
    desk.goto(f"/claims/{claim_id}/", "claim-page")
    expect(page.get_by_role("heading", level=1)).to_contain_text("'Sprite' and 'Cola'")
    for form_id in ("status-form", "evidence-form", "relate-form", "assign-form", "publish-form"):
        expect(page.locator(f"#{form_id}")).to_have_count(0)
    for name in ("Change status", "Add evidence", "Publish verdict", "Assign", "Relate claims"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_label("New status")).to_have_count(0)

    token = _csrf_token(page)
    forged = page.request.post(
        f"/claims/{claim_id}/status/",
        form={
            "csrfmiddlewaretoken": token,
            "version": str(before["version"]),
            "to_status": "false",
            "rationale": "Forged by a viewer.",
        },
        headers={"X-CSRFToken": token},
    )
    assert forged.status == 403, forged.status
    forged_evidence = page.request.post(
        f"/claims/{claim_id}/evidence/",
        form={
            "csrfmiddlewaretoken": token,
            "version": str(before["version"]),
            "url": "https://forged.example/story",
            "stance": "contradicts",
            "credibility": "1",
        },
        headers={"X-CSRFToken": token},
    )
    assert forged_evidence.status == 403, forged_evidence.status
    assert orm(_claim_state, claim_id) == before
    desk.goto(f"/claims/{claim_id}/", "after-forged-posts")
    expect(page.locator("#claim-page .claim-facts")).to_contain_text("In review")


def test_two_fact_checkers_change_one_claim_the_second_sees_the_conflict(
    mercenaries: int, desks: Any
) -> None:
    claim_id = mercenaries
    first = desks("checker", name="first")
    second = desks("checker2", name="second")
    for desk in (first, second):
        desk.goto(f"/claims/{claim_id}/", "claim-page")

    form = first.page.locator("#status-form")
    form.get_by_label("New status").select_option("disputed")
    form.get_by_label("Rationale").fill(VERDICT_RATIONALE)
    form.get_by_role("button", name="Change status").click()
    expect(first.page.locator("#claim-page .claim-facts")).to_contain_text("Disputed")
    first.shot("verdict-set")

    form = second.page.locator("#status-form")
    form.get_by_label("New status").select_option("false")
    form.get_by_label("Rationale").fill("False: nobody was killed.")
    form.get_by_role("button", name="Change status").click()
    conflict = second.page.get_by_role("alert").filter(has_text="changed while you were working")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("checker")
    expect(conflict).to_contain_text("Disputed")
    expect(conflict).to_contain_text("Nothing you entered was saved")
    # The second person's entry is kept for them to look at again.
    expect(second.page.get_by_label("Rationale")).to_have_value("False: nobody was killed.")
    second.shot("conflict")
    report = axe_run(second.page)
    assert not report.blocking, report.describe(report.blocking)

    state = orm(_claim_state, claim_id)
    assert state["status"] == "disputed"
    assert state["changes"][-1][1:3] == ("disputed", "checker")
    assert not any(change[2] == "checker2" for change in state["changes"])
    second.page.reload()
    expect(second.page.locator("#claim-page .claim-facts")).to_contain_text("Disputed")
    second.shot("reloaded")


def test_provenance_picture_shows_magazine_x_post_telegram_post_and_one_origin(
    newsroom: Newsroom, desks: Any
) -> None:
    claim_id = newsroom.claims["mercenaries"]
    ids = {key: newsroom.sources[key] for key in ("newsweek_article", "x_post", "telegram_post")}
    desk = desks("viewer")
    page = desk.page
    desk.goto(f"/claims/{claim_id}/")
    section = page.locator("#provenance")
    section.scroll_into_view_if_needed()
    desk.shot("provenance")
    svg = section.locator("svg")
    expect(svg).to_have_count(1)
    expect(svg).to_have_attribute("role", "img")

    def node_title(source_id: int) -> str:
        return svg.locator(f'g.pv-node[data-source-id="{source_id}"] > title').text_content()

    assert "Newsweek" in node_title(ids["newsweek_article"])
    assert "PS01" in node_title(ids["x_post"])
    assert "ZOVNovoshakhtinsk" in node_title(ids["telegram_post"])
    for citing, cited in (("newsweek_article", "x_post"), ("x_post", "telegram_post")):
        edge = svg.locator(f'g.pv-edge[data-citing="{ids[citing]}"][data-cited="{ids[cited]}"]')
        expect(edge).to_have_count(1)
    assert (
        "ORIGIN" in svg.locator(f'g.pv-node[data-source-id="{ids["telegram_post"]}"]').inner_html()
    )

    # The text alternative: the SVG's accessible name and description, the counts, the chains.
    labelled_by = svg.get_attribute("aria-labelledby").split()
    described = " ".join(svg.locator(f'[id="{ref}"]').text_content() for ref in labelled_by)
    assert "asserts: 1 independent origin" in described
    counts = section.locator("#provenance-counts")
    expect(counts).to_contain_text("Asserts: 1 independent origin")
    chains = section.get_by_role("list").filter(has=page.locator("li.chain"))
    chain = chains.locator("li.chain").filter(has_text="Newsweek").first
    expect(chain).to_contain_text("PS01")
    expect(chain).to_contain_text("ZOVNovoshakhtinsk")
    expect(chain).to_contain_text("origin")
    text = chain.inner_text()
    assert text.index("Newsweek") < text.index("PS01") < text.index("ZOVNovoshakhtinsk"), text


# --- Keyboard only ------------------------------------------------------------------------------

MAX_TABS = 120


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = el ? getComputedStyle(el) : null;
            return {
                tag: el ? el.tagName.toLowerCase() : '',
                id: (el && el.id) || '',
                text: el ? (el.innerText || el.value || el.ariaLabel || '').trim() : '',
                href: (el && el.getAttribute('href')) || '',
                outline: style ? style.outlineStyle : 'none',
                shadow: style ? style.boxShadow : 'none',
            };
        }"""
    )


def _tab_to(page: Any, matches: Any, *, backwards: bool = False) -> dict[str, str]:
    """Press Tab (or Shift+Tab) until the focused element matches; fails after MAX_TABS."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focused = _focused(page)
        seen.append(focused["id"] or focused["text"][:30] or focused["tag"])
        if matches(focused):
            assert focused["outline"] != "none" or focused["shadow"] != "none", (
                f"no visible focus indicator on {focused}"
            )
            return focused
    raise AssertionError(f"never reached the element with {key}; went through {seen}")


def test_keyboard_only_through_the_queue_to_a_status_change(newsroom: Newsroom, desks: Any) -> None:
    claim_id = newsroom.claims["first_mission"]  # unverified, assigned to the demo fact-checker
    desk = desks()
    page = desk.page
    page.goto("/signin/")
    # The user name field has focus when the page opens.
    assert _focused(page)["id"] == "id_username"
    page.keyboard.type("checker")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue/")
    desk.shot("queue")

    _tab_to(page, lambda f: f["id"] == "view-mine")
    page.keyboard.press("Enter")
    expect(page.locator("#view-mine")).to_have_attribute("aria-current", "page")
    desk.shot("assigned-to-me")
    _tab_to(page, lambda f: f["href"].endswith(f"/claims/{claim_id}/"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/claims/{claim_id}/")
    desk.shot("claim-page")

    _tab_to(page, lambda f: f["id"] == "status-to")
    assert page.locator("#status-to").input_value() == "in_review"  # the one move offered
    _tab_to(page, lambda f: f["id"] == "status-rationale")
    page.keyboard.type("Taking it: checking the SBU statement against the president's.")
    _tab_to(page, lambda f: f["id"] == "status-submit")
    page.keyboard.press("Space")
    expect(page.locator("#claim-page .claim-facts")).to_contain_text("In review")
    desk.shot("status-changed")

    # Back up the page to its "On this page" links, and on to the history.
    _tab_to(page, lambda f: f["href"] == "#history", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("#history")).to_contain_text("Unverified → In review")
    desk.shot("history")
    state = orm(_claim_state, claim_id)
    assert state["status"] == "in_review"
    assert state["changes"][-1][2] == "checker"


def test_sign_in_with_a_wrong_password_is_refused(newsroom: Newsroom, desks: Any) -> None:
    desk = desks()
    page = desk.page
    page.goto("/signin/")
    page.get_by_label("User name").fill("checker")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    desk.shot("refused")
    assert "/signin/" in page.url
    sign_in(page, "checker")
    expect(_main_nav(page).get_by_role("link", name="Queue")).to_have_attribute(
        "aria-current", "page"
    )
