"""Browser tests of the other pages: reports (search, import, add), batch runs, admin, privacy.

"No page renders personal data for a role that may not see it": every role is walked over the
pages that show children's records, checking the status and that the synthetic target report's
name, father's name and phone never appear where the role may not read reports.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.web.conftest import TARGET, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

PRIVATE = (TARGET["name"], TARGET["father_name"], TARGET["mother_name"], TARGET["guardian_phone"])


def _officer_interception(live_server: LiveServer, username: str = "officer") -> str:
    """An interception submitted by ``username`` through the services (not the page)."""
    from api import services
    from api.schemas import InterceptionIn

    app = live_server.app
    with app.state.sessions() as session:
        user = services.find_user(session, username=username)
        row = services.submit_interception(
            session,
            user,
            InterceptionIn(
                name="Rahima Khatun", father_name="Abdul Karim", home_district="Jashore"
            ),
            index=app.state.index,
            top_k=5,
        ).row
        return str(row.interception_id)


def _search(tab: Any, query: str) -> None:
    """Search through the page's form (a POST: the name never reaches the address bar)."""
    tab.goto("/web/reports")
    tab.fill("form[role=search] input[name=q]", query)
    with tab.expect_navigation():
        tab.click("form[role=search] button")
    assert tab.url.endswith("/web/reports/search")  # no query string, no redirect


@pytest.mark.parametrize(
    "query",
    ["Rahima Khatun", "রহিমা খাতুন", "Mst. Rohima Khatoon"],
    ids=["latin", "bangla", "variant-with-prefix"],
)
def test_search_reports_by_name_in_either_script(
    wide_page: Any, live_server: LiveServer, query: str
) -> None:
    sign_in(wide_page, "reviewer")
    _search(wide_page, query)
    rows = wide_page.locator("table[data-testid=search-results] tr[data-report-id]")
    ids = [rows.nth(i).get_attribute("data-report-id") for i in range(rows.count())]
    assert TARGET["report_id"] in ids
    assert wide_page.input_value("form[role=search] input[name=q]") == query
    if query == "Rahima Khatun":
        screenshot(wide_page, "reports")


def test_search_with_no_match_says_so(wide_page: Any, live_server: LiveServer) -> None:
    sign_in(wide_page, "analyst")
    _search(wide_page, "Zzyzx Qwerty")
    assert wide_page.locator("[data-testid=search-empty]").count() == 1
    assert wide_page.locator("form[action='/web/reports/import']").count() == 0  # read-only


def test_a_stale_search_bookmark_shows_the_empty_form(
    wide_page: Any, live_server: LiveServer
) -> None:
    sign_in(wide_page, "reviewer")
    wide_page.goto("/web/reports?q=Rahima+Khatun")
    assert wide_page.locator("table[data-testid=search-results]").count() == 0
    assert wide_page.locator("[data-testid=search-empty]").count() == 0
    assert wide_page.input_value("form[role=search] input[name=q]") == ""


def test_the_language_switch_after_a_search_keeps_the_name_out_of_the_url(
    wide_page: Any, live_server: LiveServer
) -> None:
    sign_in(wide_page, "reviewer")
    _search(wide_page, "Rahima Khatun")
    wide_page.click("a[href^='/lang/bn']")
    wide_page.wait_for_url(re.compile(r".*/web/reports$"))
    assert "Rahima" not in wide_page.url


CSV_HEADER = (
    "report_id,name,father_name,mother_name,sex,age,report_date,district,upazila,"
    "police_station,guardian_phone\n"
)
BAD_CSV = (
    CSV_HEADER
    + "IMP-1,Karima Akter,Abdul Malek,,F,9,2025-01-05,Khulna,,,\n"
    + "IMP-2,Nasima Begum,,,X,abc,2025-01-05,Khulna,,,\n"
    + "IMP-3,Shirin Akter,,,F,11,not-a-date,Khulna,,,\n"
)


def _upload(tab: Any, text: str, *, partial: bool) -> None:
    tab.goto("/web/reports")
    tab.set_input_files(
        "#file", files=[{"name": "reports.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    if partial:
        tab.check("input[name=partial]")
    tab.click("form[action='/web/reports/import'] button")
    tab.wait_for_load_state()


def test_import_shows_each_bad_row_then_keeps_good_rows(
    wide_page: Any, live_server: LiveServer
) -> None:
    sign_in(wide_page, "reviewer")
    _upload(wide_page, BAD_CSV, partial=False)
    assert wide_page.locator("[data-testid=import-refused]").count() == 1
    rows = wide_page.locator("table[data-testid=import-errors] tbody tr")
    bad_rows = {rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())}
    assert bad_rows == {"3", "4"}
    screenshot(wide_page, "report-import-errors")
    assert live_server_report_exists(live_server, "IMP-1") is False

    _upload(wide_page, BAD_CSV, partial=True)
    assert "Rows imported: 1" in wide_page.inner_text("[data-testid=import-done]")
    assert live_server_report_exists(live_server, "IMP-1") is True


def live_server_report_exists(live_server: LiveServer, report_id: str) -> bool:
    from api.models import ReportRow

    with live_server.app.state.sessions() as session:
        return session.get(ReportRow, report_id) is not None


def test_add_a_report_through_the_form(page: Any, live_server: LiveServer) -> None:
    sign_in(page, "reviewer")
    page.goto("/web/reports")
    page.fill("#report_id", "ADD-0001")
    page.fill("#name", "মোছাঃ নাসিমা আক্তার")
    page.select_option("#sex", "F")
    page.fill("#age", "১১")
    page.fill("#district", "যশোর")
    page.fill("#report_date", "2025-02-01")
    page.click("#add-report button[type=submit]")
    page.wait_for_url(re.compile(r".*/web/reports/ADD-0001\?done=report_added$"))
    assert page.inner_text("[data-testid=report-status]") == "Open"
    assert "Report saved" in page.inner_text("main")
    assert "11" in page.inner_text("main")


def test_analyst_runs_a_batch_and_downloads_the_csv(
    wide_page: Any, live_server: LiveServer
) -> None:
    _officer_interception(live_server)  # at least one open interception to work through
    sign_in(wide_page, "analyst")
    wide_page.goto("/web/reconciliations")
    wide_page.click("[data-testid=start-run]")
    wide_page.wait_for_url(re.compile(r".*/web/reconciliations/[0-9a-f]+$"))
    assert wide_page.locator("progress[data-testid=progress]").count() == 1
    deadline = time.monotonic() + 30
    while wide_page.get_attribute("[data-testid=run-status]", "data-status") not in (
        "done",
        "failed",
    ):
        assert time.monotonic() < deadline, "the batch run did not finish"
        time.sleep(0.5)
        wide_page.reload()
    assert wide_page.get_attribute("[data-testid=run-status]", "data-status") == "done"
    progress = wide_page.locator("progress[data-testid=progress]")
    assert int(progress.get_attribute("max") or 0) >= 1
    assert progress.get_attribute("value") == progress.get_attribute("max")
    screenshot(wide_page, "reconciliation")
    href = wide_page.get_attribute("[data-testid=download]", "href")
    response = wide_page.request.get(href)
    assert response.status == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.text()
    assert text.startswith("interception_id,report_id,rank,score,band,explanation")
    assert len(text.splitlines()) >= 2
    for private in PRIVATE:
        assert private not in text


def test_admin_manages_users_and_reads_the_audit_log(
    wide_page: Any, live_server: LiveServer
) -> None:
    sign_in(wide_page, "admin")
    wide_page.goto("/web/admin")
    assert wide_page.locator("table[data-testid=users] tr[data-username=reviewer]").count() == 1
    wide_page.fill("#new_username", "newofficer")
    wide_page.select_option("#new_role", "bgb_officer")
    wide_page.click("form[action='/web/admin/users'] button")
    wide_page.wait_for_url(re.compile(r".*done=user_created$"))
    assert wide_page.locator("[data-testid=new-token]").count() == 0  # no one else's token
    screenshot(wide_page, "admin")

    def row() -> Any:
        return wide_page.locator("table[data-testid=users] tr[data-username=newofficer]")

    row().locator("input[name=password]").fill("one-time synthetic pw")
    row().locator("form[action$='/password'] button").click()
    wide_page.wait_for_url(re.compile(r".*done=password_set_once$"))
    assert "one-time password" in row().inner_text()
    row().locator("[data-testid=disable]").click()
    wide_page.wait_for_url(re.compile(r".*done=user_disabled$"))
    assert "Disabled" in row().inner_text()
    row().locator("[data-testid=enable]").click()
    wide_page.wait_for_url(re.compile(r".*done=user_enabled$"))
    assert "Active" in row().inner_text()

    wide_page.goto("/web/admin/audit?record_type=report")
    assert wide_page.locator("table[data-testid=audit] tbody tr").count() > 0
    screenshot(wide_page, "audit-log", full_page=False)
    html = wide_page.content()
    for private in PRIVATE:
        assert private not in html


ROLE_PAGES = [
    # (role, path, expected status)
    ("officer", "/web/reports", 403),
    ("officer", "/web/reports/DMP-TEST-0001", 403),
    ("officer", "POST /web/reports/search", 403),
    ("officer", "/web/reconciliations", 403),
    ("officer", "/web/admin", 403),
    ("officer", "/web/admin/audit", 403),
    ("analyst", "/review", 403),
    ("analyst", "/web/admin", 403),
    ("analyst", "/web/interceptions/new", 403),
    ("admin", "/review", 403),
    ("admin", "/web/reports/DMP-TEST-0001", 403),
    ("admin", "POST /web/reports/search", 403),
    ("admin", "/web/interceptions/new", 403),
    ("admin", "/web/admin", 200),
    ("admin", "/web/admin/audit", 200),
    ("reviewer", "/web/admin", 403),
    ("reviewer", "/web/reconciliations", 403),
    ("reviewer", "/web/reports/DMP-TEST-0001", 200),
    ("reviewer", "POST /web/reports/search", 200),
]


@pytest.mark.parametrize(
    ("role", "path", "status"),
    ROLE_PAGES,
    ids=[f"{r}:{p}" for r, p, _ in ROLE_PAGES],
)
def test_no_personal_data_for_a_role_that_may_not_see_it(
    signed_in: Any, role: str, path: str, status: int
) -> None:
    request = signed_in(role).request
    if path.startswith("POST "):  # the name search: a form post with the session's CSRF token
        home = request.get("/").text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', home)
        assert token is not None
        form = {"csrf_token": token.group(1), "q": "Rahima Khatun"}
        response = request.post(path.removeprefix("POST "), form=form)
    else:
        response = request.get(path)
    assert response.status == status
    if status == 403 or role in ("admin", "officer"):
        body = response.text()
        for private in PRIVATE:
            assert private not in body


def test_officer_sees_only_own_interceptions(page: Any, live_server: LiveServer) -> None:
    interception_id = _officer_interception(live_server, "officer")
    sign_in(page, "officer2")
    response = page.request.get(f"/web/interceptions/{interception_id}")
    assert response.status == 403
    assert "Rahima Khatun" not in response.text()
    sign_in(page, "officer")
    response = page.request.get(f"/web/interceptions/{interception_id}")
    assert response.status == 200
    body = response.text()
    assert interception_id in body
    for private in PRIVATE:
        assert private not in body
