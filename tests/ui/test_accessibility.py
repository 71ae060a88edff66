"""axe-core on every page, for each role where the page differs; and a phone-width pass.

No serious or critical violation may stand; the others are printed (``-s`` shows them, and the
summary at the end of the run lists every page's counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.ui.axe import axe_run
from tests.ui.conftest import Newsroom

pytestmark = pytest.mark.django_db(transaction=True)

# Filled as the tests run; printed by pytest_terminal_summary in this package's conftest.
AXE_RESULTS: list[tuple[str, str, dict[str, int], str]] = []

Path = Callable[[Newsroom], str]

PAGES: dict[str, Path] = {
    "sign-in": lambda room: "/signin/",
    "queue": lambda room: "/queue/",
    "search-results": lambda room: "/search/?q=ZOVNovoshakhtinsk",
    "search-by-url": lambda room: "/search/?q=http%3A%2F%2Ftelegram.me%2FZOVNovoshakhtinsk%2F1520",
    "claim": lambda room: f"/claims/{room.claims['mercenaries']}/",
    "source": lambda room: f"/sources/{room.sources['telegram_post']}/",
    "outlet": lambda room: f"/outlets/{room.outlets['zov']}/",
    "new-claim": lambda room: "/claims/new/",
    "new-source": lambda room: "/sources/new/",
    "404": lambda room: "/claims/999999/",
    "403": lambda room: "/queue/",
}

# (page, who): every page once, and again for each role that sees different controls on it.
CASES = [
    ("sign-in", None),
    ("queue", "viewer"),
    ("queue", "fact_checker"),
    ("search-results", "viewer"),
    ("search-by-url", "fact_checker"),
    ("claim", "viewer"),
    ("claim", "fact_checker"),
    ("claim", "editor"),
    ("source", "viewer"),
    ("source", "fact_checker"),
    ("source", "editor"),
    ("outlet", "viewer"),
    ("outlet", "fact_checker"),
    ("outlet", "editor"),
    ("new-claim", "viewer"),
    ("new-source", "viewer"),
    ("404", "fact_checker"),
    ("403", "outsider"),
]
EXPECTED_STATUS = {"404": 404, "403": 403}


@pytest.mark.parametrize(
    ("page_name", "role"), CASES, ids=[f"{p}-{r or 'anonymous'}" for p, r in CASES]
)
def test_page_has_no_serious_or_critical_axe_violations(
    page_name: str, role: str | None, newsroom: Newsroom, desks: Any
) -> None:
    desk = desks(newsroom.users[role] if role else None)
    response = desk.goto(PAGES[page_name](newsroom))
    assert response is not None
    assert response.status == EXPECTED_STATUS.get(page_name, 200), response.status
    expect(desk.page.locator("main")).to_be_visible()
    desk.shot(page_name)
    report = axe_run(desk.page)
    label = f"{page_name} as {role or 'anonymous'}"
    AXE_RESULTS.append((label, desk.page.url, report.counts(), report.describe()))
    print(f"\naxe on {label} ({report.url}): {report.counts() or 'no violations'}")
    print(report.describe())
    assert not report.blocking, f"axe on {label}:\n{report.describe(report.blocking)}"


# --- Phone width ----------------------------------------------------------------------------------

PHONE = {"width": 375, "height": 812}


def _horizontal_overflow(page: Any) -> dict[str, Any]:
    """How far the document is wider than the viewport, and which elements stick out."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1 && getComputedStyle(el).position !== 'fixed'
                    && !el.closest('.pv-scroll, .table-scroll, [data-scrolls]')) {
                    wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
                              + `${el.className && typeof el.className === 'string'
                                    ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}`
                              + ` right=${Math.round(box.right)}`);
                }
            }
            return {
                viewport: width,
                document: document.documentElement.scrollWidth,
                body: document.body.scrollWidth,
                wide: wide.slice(0, 10),
            };
        }"""
    )


@pytest.mark.parametrize(
    "page_name", ["queue", "claim", "search-results", "source", "outlet", "new-claim"]
)
def test_page_fits_a_phone_without_horizontal_scrolling(
    page_name: str, newsroom: Newsroom, desks: Any
) -> None:
    desk = desks("checker", viewport=PHONE, name="phone")
    desk.goto(PAGES[page_name](newsroom))
    expect(desk.page.locator("main")).to_be_visible()
    desk.shot(f"{page_name}-375px")
    sizes = _horizontal_overflow(desk.page)
    assert sizes["document"] <= sizes["viewport"], sizes
    assert sizes["body"] <= sizes["viewport"], sizes


def test_axe_reports_a_page_with_known_violations(desk: Any) -> None:
    """The control: the same run finds what it should on a page made to fail."""
    desk.page.set_content(
        '<html><body><main><img src="x.png"><button></button>'
        '<p style="color:#aaa;background:#fff">faint</p></main></body></html>'
    )
    report = axe_run(desk.page)
    found = {v["id"] for v in report.blocking}
    assert {"image-alt", "button-name", "color-contrast"} <= found, report.describe()
    assert "html-has-lang" in {v["id"] for v in report.violations}
