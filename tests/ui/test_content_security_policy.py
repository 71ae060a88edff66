"""Pages work under their Content-Security-Policy: every desk uses the journey fixture's
violation check (conftest), and these cover the pages the journeys do not: the API docs (Swagger
UI) and the admin, with a control showing that a violation is caught."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Newsroom


def test_the_api_docs_load_under_their_policy(newsroom: Newsroom, desks: Any) -> None:
    desk = desks(name="reader")
    desk.goto("/api/docs/")

    expect(desk.page.locator(".swagger-ui .info .title")).to_contain_text("Claimtrail API")
    expect(desk.page.locator(".opblock").first).to_be_visible()
    desk.shot("api-docs")


def test_the_admin_works_under_the_policy(newsroom: Newsroom, desks: Any) -> None:
    desk = desks("admin")
    for path in ("/admin/", "/admin/claims/claim/", "/admin/sources/source/"):
        response = desk.goto(path)
        assert response.status == 200, path
    desk.page.locator("#result_list tbody a").first.click()
    expect(desk.page.locator("#content h1")).to_be_visible()


def test_an_inline_script_is_refused_and_reported(newsroom: Newsroom, desks: Any) -> None:
    """The control: the check sees what the policy blocks."""
    desk = desks(name="control")
    desk.goto("/signin/")

    desk.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.head.append(s); }"
    )
    desk.page.wait_for_timeout(200)

    assert desk.page.evaluate("() => window.injected === undefined")
    assert any("script-src" in text for text in desk.violations), desk.violations
    desk.violations.clear()
