"""The interception page says "this child may already be in Shondhan as I-..." (EN and BN),
ids and scores only: an officer, who may read only their own interceptions, gets the ids without
links, a reviewer gets links; each flagged interception is an audited read. Synthetic records,
the engine's real index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import services
from api.app import create_app
from api.models import AuditEvent
from api.roles import Role
from api.schemas import InterceptionIn
from api.settings import Settings
from api.web.security import LANG_COOKIE
from tests.api.conftest import interception_body
from tests.api.test_cases import RAHIMA, RAHIMA_AGAIN, STRANGER
from tests.web.conftest import cheap_hash
from tests.web.test_pages import PASSWORD, _sign_in


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("duplicates") / "pages.db"
    settings = Settings(
        database_url=f"sqlite:///{db}", secret_key="synthetic-secret-duplicates", sync_enabled=False
    )
    app = create_app(settings)
    with TestClient(app) as c:
        with app.state.sessions() as session:
            users = {}
            for name, role in (("officer", Role.BGB_OFFICER), ("reviewer", Role.POLICE_REVIEWER)):
                user, _, _ = services.create_user(session, None, name, role)
                user.password_hash = cheap_hash(PASSWORD)
                users[name] = user
            session.commit()
            for iid, fields in (("I-1", RAHIMA), ("I-2", RAHIMA_AGAIN), ("I-4", STRANGER)):
                body = InterceptionIn(**interception_body(iid, **fields))
                services.submit_interception(
                    session, users["officer"], body, index=app.state.index, top_k=5
                )
        yield c


def _reads(client: TestClient, record_id: str) -> int:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "read", AuditEvent.record_id == record_id)
            )
            or 0
        )


@pytest.mark.parametrize(
    ("user", "lang", "words", "link"),
    [
        ("officer", "en", "This child may already be in Shondhan as:", False),
        ("officer", "bn", "এই শিশু হয়তো আগেই সন্ধানে আছে:", False),
        ("reviewer", "en", "This child may already be in Shondhan as:", True),
    ],
    ids=["officer-en", "officer-bn", "reviewer-links"],
)
def test_interception_page_names_the_same_child(
    client: TestClient, user: str, lang: str, words: str, link: bool
) -> None:
    client.cookies.clear()
    _sign_in(client, user)
    client.cookies.set(LANG_COOKIE, lang)
    before = _reads(client, "I-1")
    html = client.get("/web/interceptions/I-2").text
    assert words in html
    assert 'data-interception-id="I-1"' in html
    assert ('href="/web/interceptions/I-1"' in html) is link
    assert _reads(client, "I-1") == before + 1  # the flag is an audited read of I-1
    stranger = client.get("/web/interceptions/I-4").text
    assert 'data-testid="possible-duplicates"' not in stranger
