"""The axe helper itself: it loads under the pages' strict CSP and it does fail on a real violation."""

from __future__ import annotations

import pytest

from tests.browser.a11y import assert_accessible, violations

pytestmark = pytest.mark.browser


def test_axe_loads_from_vendor_under_the_csp_and_reports_a_violation(live_server, page):
    page.goto(live_server.url + "/compte/connexion")
    policy = page.evaluate("() => fetch(location.href).then((r) => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in policy
    assert_accessible(page, label="login")  # passes as it is
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/nowhere.png';"
        " document.querySelector('main').append(img); }"
    )
    assert "image-alt" in {v["id"] for v in violations(page)}
    with pytest.raises(AssertionError, match="critical.*image-alt"):
        assert_accessible(page)
