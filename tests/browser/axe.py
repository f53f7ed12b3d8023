"""axe-core in a Playwright page: run it and return the violations that matter.

axe-core (tests/browser/vendor/axe-core, MPL-2.0; rules: https://dequeuniversity.com/rules/axe/)
is evaluated in the page through the DevTools protocol, not added as a <script>: the page
keeps the studio's strict Content-Security-Policy, unchanged, while axe runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page, include: str | None = None, impacts=SERIOUS) -> list[dict]:
    """Run axe-core on the page (or only inside the CSS selector `include`) and return its
    violations of the given impacts, each as axe reports it: {id, impact, help, nodes: [{target,
    failureSummary}, ...]}. WCAG 2.x A and AA rules plus axe's best practices."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (include) => {
          const context = include ? {include: [include]} : document;
          return await window.axe.run(context, {resultTypes: ['violations']});
        }""",
        include,
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    """One line per failing element: rule, impact, what to fix, where."""
    lines = []
    for violation in violations:
        for node in violation["nodes"][:6]:
            summary = " ".join(node.get("failureSummary", "").split())[:220]
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {node['target']}: {summary}"
            )
    return "\n".join(lines)
