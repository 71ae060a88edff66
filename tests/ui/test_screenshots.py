"""The README's screenshots: the queue, the claim page with its provenance picture, search.

Every run writes them under var/screenshots/<test>/ like the other tests' pictures (with a
close-up of the provenance section). With ``CLAIMTRAIL_README_SCREENSHOTS=1`` the three the
README shows also go to docs/screenshots/, which is committed:

    CLAIMTRAIL_README_SCREENSHOTS=1 .venv/bin/python -m pytest tests/ui/test_screenshots.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.ui.conftest import Newsroom

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"
WINDOW = {"width": 1280, "height": 800}
README = ("queue", "claim", "search")


def test_readme_screenshots(newsroom: Newsroom, desks: Any) -> None:
    desk = desks("checker", viewport=WINDOW, name="readme")
    page = desk.page
    pictures: dict[str, Path] = {}

    def save(name: str, target: Any = None) -> None:
        path = desk.folder / f"{name}.png"
        (target or page).screenshot(path=str(path))
        pictures[name] = path

    desk.goto("/queue/")
    expect(page.get_by_role("heading", name="Claims by status")).to_be_visible()
    save("queue")

    desk.goto(f"/claims/{newsroom.claims['mercenaries']}/")
    expect(page.locator("#provenance svg")).to_be_visible()
    save("claim")
    provenance = page.locator("#provenance")
    provenance.scroll_into_view_if_needed()
    save("claim-provenance", provenance)

    desk.goto("/search/?q=t.me%2FZOVNovoshakhtinsk")
    expect(page.locator("#search-results").get_by_role("heading", name="Claims")).to_be_visible()
    save("search")

    for path in pictures.values():
        assert path.stat().st_size > 10_000, path
    if os.environ.get("CLAIMTRAIL_README_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for name in README:
            shutil.copyfile(pictures[name], DOCS / f"{name}.png")
