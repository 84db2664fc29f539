"""axe-core in the browser tests: no serious or critical violation on a page.

axe is loaded from the app's own /vendor/ route (same origin), so the page's strict
Content-Security-Policy (script-src 'self') allows it: no CSP bypass is needed.

    from tests.browser.a11y import assert_accessible
    assert_accessible(page)              # the whole page as it is now
"""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError

BLOCKING = ("serious", "critical")
AXE_URL = "/vendor/axe-core/axe.min.js"

_RUN = """async () => {
  const results = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) =>
      n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1).join(" ")),
  }));
}"""


# What Playwright says when the document is replaced while axe is injected or runs:
# a click's navigation that started after the click returned.
_REPLACED = ("Execution context was destroyed", "reading 'appendChild'", "axe is not defined")


def violations(page) -> list[dict]:
    """Every axe violation on the current page (any impact), once it has loaded."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.add_script_tag(url=AXE_URL)
            return page.evaluate(_RUN)
        except PlaywrightError as error:
            if attempt == 2 or not any(sign in str(error) for sign in _REPLACED):
                raise
    raise AssertionError("unreachable")


def assert_accessible(page, *, label: str = "") -> None:
    """Fail with a readable list when axe finds a serious or critical violation."""
    found = [v for v in violations(page) if v["impact"] in BLOCKING]
    if found:
        lines = [f"axe: {len(found)} serious/critical violation(s) on {label or page.url}"]
        for v in found:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
        raise AssertionError("\n".join(lines))
