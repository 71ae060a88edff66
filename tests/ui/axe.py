"""axe-core (vendored, tests only) run in the page: violations by impact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-4.11.0.min.js"
BLOCKING = ("critical", "serious")

# WCAG 2.x A and AA plus axe's best practices (landmarks, headings, skip links...).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations", "incomplete"],
}


@dataclass
class AxeReport:
    url: str
    violations: list[dict[str, Any]]
    incomplete: list[dict[str, Any]]
    passes: int

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v.get("impact") in BLOCKING]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for violation in self.violations:
            impact = violation.get("impact") or "none"
            out[impact] = out.get(impact, 0) + 1
        return out

    def describe(self, violations: list[dict[str, Any]] | None = None) -> str:
        rows = []
        for v in self.violations if violations is None else violations:
            targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:4])
            more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
            rows.append(f"  [{v.get('impact')}] {v['id']}: {v['help']} -> {targets}{more}")
        return "\n".join(rows) or "  none"


def axe_run(page: Any) -> AxeReport:
    """Inject axe into the page (once) and run it over the whole document."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
        # not govern; add_script_tag would be an inline <script> the policy refuses.
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    result = page.evaluate("options => axe.run(document, options)", RUN_OPTIONS)
    return AxeReport(
        url=page.url,
        violations=result["violations"],
        incomplete=result["incomplete"],
        passes=len(result.get("passes", [])),
    )
