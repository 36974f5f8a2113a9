"""End-to-end in a real headless Chromium: the officer-to-reviewer story, and the refusals.

Issue 5, "done when": sign in -> submit an interception -> see the right candidate -> reviewer
confirms -> the interception shows as matched; a failed sign-in; a CSRF-less POST refused; a
bgb_officer refused the review page. Each main page is screenshotted (into docs/screenshots/
with SHONDHAN_SCREENSHOTS=docs).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import (
    TARGET,
    LiveServer,
    console_errors,
    screenshot,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser


def _submit_interception(tab: Any, *, shot: bool = False) -> str:
    tab.goto("/web/interceptions/new")
    tab.fill("#name", "Rohima Khatoon")
    tab.fill("#father_name", "Abdul Karim")
    tab.select_option("#sex", "F")
    tab.fill("#age", "12")
    tab.fill("#home_district", "Jessore")
    tab.fill("#border_post", "Benapole")
    tab.fill("#interception_date", "2026-09-02")
    assert tab.inner_text(".date-echo") == "2 Sept 2026"  # day month year, whatever the locale
    if shot:
        screenshot(tab, "submit-interception")
    tab.click("form.stack button[type=submit]")
    tab.wait_for_url(re.compile(r".*/web/interceptions/[A-Za-z0-9-]+$"))
    return str(tab.inner_text("[data-testid=interception-id]"))


def test_officer_to_reviewer_story(page: Any, wide_page: Any, live_server: LiveServer) -> None:
    officer_errors, reviewer_errors = console_errors(page), console_errors(wide_page)
    # The officer signs in (phone width) and submits what the child says.
    page.goto("/login")
    screenshot(page, "sign-in")
    sign_in(page, "officer")
    assert page.inner_text("[data-testid=whoami]") == "officer"
    interception_id = _submit_interception(page, shot=True)

    # The right report is the first candidate, shown without the report's personal data.
    first = page.locator("[data-testid=candidates] [data-report-id]").first
    assert first.get_attribute("data-report-id") == TARGET["report_id"]
    assert page.inner_text("[data-testid=interception-status]") == "Open"
    html = page.content()
    for private in (TARGET["name"], TARGET["father_name"], TARGET["guardian_phone"]):
        assert private not in html
    screenshot(page, "candidates-after-submit")
    sign_out(page)

    # The reviewer finds it in the queue (filtered by the child's district) and opens it.
    sign_in(wide_page, "reviewer")
    wide_page.goto("/review?district=Jessore")
    row = wide_page.locator(
        f"table[data-testid=queue] tbody tr:has-text('{interception_id}')"
    ).first
    assert TARGET["report_id"] in row.inner_text()
    screenshot(wide_page, "review-queue")
    row.locator("a").click()
    wide_page.wait_for_url(re.compile(r".*/review/[0-9a-f]+\?district=Jessore$"))  # filter kept
    marks = {
        el.get_attribute("data-field"): el.get_attribute("data-mark")
        for el in wide_page.locator("table[data-testid=side-by-side] tr[data-field]").all()
    }
    assert marks["name"] == "agree"  # cross-script: Rohima Khatoon = মোছাঃ রহিমা খাতুন
    assert marks["father_name"] == "agree"
    assert marks["mother_name"] == "missing"
    assert marks["sex"] == "agree"
    assert wide_page.locator("[data-testid=chart] svg rect").count() >= 3
    assert "expected" in wide_page.inner_text("[data-testid=age-line]")  # the engine's words
    screenshot(wide_page, "candidate")
    wide_page.set_viewport_size({"width": 360, "height": 780})
    screenshot(wide_page, "candidate-360px")
    wide_page.set_viewport_size({"width": 1200, "height": 900})

    # Confirm with a note: the decision is saved and the next candidate (or the queue) opens.
    candidate_url = wide_page.url
    wide_page.fill("#note", "Father confirmed by phone (synthetic).")
    wide_page.click("button[value=confirm]")
    wide_page.wait_for_url(re.compile(r".*done=decision_saved(&district=Jessore)?$"))
    assert wide_page.url != candidate_url
    assert "Decision saved" in wide_page.inner_text("main")
    sign_out(wide_page)

    # Back to the officer: the interception now shows as matched.
    sign_in(page, "officer")
    mine = page.locator(f"table[data-testid=mine] tr[data-interception-id='{interception_id}']")
    assert "Matched" in mine.inner_text()
    screenshot(page, "home-officer")
    mine.locator("a").click()
    assert page.inner_text("[data-testid=interception-status]") == "Matched"
    # No script errors and no content-security-policy violations on any page of the story.
    assert officer_errors == []
    assert reviewer_errors == []


def test_failed_sign_in_and_lockout(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "reviewer", "not the password")
    assert "/login" in page.url
    assert "Wrong username or password" in page.inner_text("[role=alert]")
    assert page.locator("[data-testid=whoami]").count() == 0
    sign_in(page, "nobody-here", "whatever password")
    assert "Wrong username or password" in page.inner_text("[role=alert]")
    screenshot(page, "sign-in-failed")

    page.goto("/login")
    token = page.get_attribute("input[name=csrf_token]", "value")
    statuses = [
        page.request.post(
            "/login",
            form={"csrf_token": token, "username": "locky", "password": "wrong password again"},
        )
        for _ in range(5)
    ]
    assert [r.status for r in statuses] == [401] * 5
    assert "Too many failed attempts" in statuses[-1].text()
    sign_in(page, "locky")  # the right password is refused while locked
    assert "Too many failed attempts" in page.inner_text("[role=alert]")
    assert page.locator("[data-testid=whoami]").count() == 0


def test_post_without_csrf_token_is_refused(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "officer")
    before = page.request.get("/web/interceptions/new")
    assert before.status == 200
    # Same cookies as the signed-in tab, but no token (what a forged cross-site form sends).
    response = page.request.post(
        "/web/interceptions", form={"name": "Forged Name", "home_district": "Jashore"}
    )
    assert response.status == 403
    assert "another site" in response.text()
    # A token from another session does not help either.
    response = page.request.post(
        "/logout", form={"csrf_token": "not-this-sessions-token"}, max_redirects=0
    )
    assert response.status == 403
    page.goto("/")
    assert page.inner_text("[data-testid=whoami]") == "officer"


def test_bgb_officer_is_refused_the_review_page(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "officer")
    response = page.goto("/review")
    assert response is not None
    assert response.status == 403
    assert "may not open this page" in page.inner_text("[data-testid=error-message]")
    assert page.locator("nav.main a[href='/review']").count() == 0


def test_anonymous_visitor_is_sent_to_sign_in(page: Any, live_server: LiveServer) -> None:
    page.goto("/review?district=Jessore")
    assert "/login" in page.url
    sign_in_form_next = page.locator("input[name=next]").get_attribute("value")
    assert sign_in_form_next == "/review?district=Jessore"


def test_session_cookie_flags(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "officer")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["shondhan_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert "officer" not in session["value"]


def test_language_switch_to_bangla(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "officer")
    page.click("a[href^='/lang/bn']")
    assert page.locator("html").get_attribute("lang") == "bn"
    assert "নতুন আটক" in page.inner_text("nav.main")
    page.goto("/web/interceptions/new")
    page.fill("#name", "মোছাঃ রহিমা খাতুন")
    page.fill("#interception_date", "2026-09-02")
    assert page.inner_text(".date-echo") == "২ সেপ, ২০২৬"  # Chromium's ICU, bn-BD
    screenshot(page, "submit-interception-bn")
    page.click("a[href^='/lang/en']")
    assert page.locator("html").get_attribute("lang") == "en"
