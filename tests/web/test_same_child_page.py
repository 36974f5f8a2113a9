"""The report page names the other open reports of the same child (ids and links only), with
the engine's real index; one audited read per page view. Synthetic records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import services
from api.app import create_app
from api.models import AuditEvent
from api.roles import Role
from api.schemas import ReportIn
from api.settings import Settings
from tests.api.conftest import report_body
from tests.web.conftest import cheap_hash
from tests.web.test_pages import PASSWORD, _sign_in


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("same-child") / "pages.db"
    settings = Settings(
        database_url=f"sqlite:///{db}", secret_key="synthetic-secret-same-child", sync_enabled=False
    )
    app = create_app(settings)  # the engine's own index
    with TestClient(app) as c:
        with app.state.sessions() as session:
            reviewer, _, _ = services.create_user(session, None, "reviewer", Role.POLICE_REVIEWER)
            reviewer.password_hash = cheap_hash(PASSWORD)
            session.commit()
            phone = "01711223344"
            bodies = [
                report_body("R-1", guardian_phone=phone),
                report_body(
                    "R-2",
                    name="মোছাঃ রহিমা খাতুন",
                    report_date="2025-01-31",
                    district="যশোর",
                    guardian_phone=phone,
                ),
                report_body("R-3", name="Fatema Khatun", guardian_phone=phone),  # her sister
            ]
            for body in bodies:
                services.create_report(session, reviewer, ReportIn(**body), index=app.state.index)
        yield c


def _events(client: TestClient, report_id: str) -> int:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "read", AuditEvent.record_id == report_id)
            )
            or 0
        )


@pytest.mark.parametrize(
    ("report_id", "linked"),
    [("R-1", ["R-2"]), ("R-2", ["R-1"]), ("R-3", [])],
    ids=["first", "second", "sister"],
)
def test_report_page_names_the_same_child(
    client: TestClient, report_id: str, linked: list[str]
) -> None:
    client.cookies.clear()
    _sign_in(client, "reviewer")
    before = _events(client, report_id)
    html = client.get(f"/web/reports/{report_id}").text
    assert ('data-testid="same-child"' in html) is bool(linked)
    for other in linked:
        assert f'href="/web/reports/{other}"' in html
    for other in {"R-1", "R-2", "R-3"} - {report_id, *linked}:
        assert f'href="/web/reports/{other}"' not in html  # never the sister
    assert _events(client, report_id) == before + 1
