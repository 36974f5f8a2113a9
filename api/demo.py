"""The bundled demo: synthetic reports and interceptions, and one user per role.

Contract: :func:`seed_demo` is idempotent — it adds the synthetic data set only to a database
without reports, submits a share of the interceptions through the normal service path (so the
review queue holds real candidates), and on every call issues a fresh token per role (older demo
tokens are revoked). Tokens and passwords are stored only as hashes, so a restart cannot show
the earlier ones again: it issues new ones, and ``shondhan serve --demo`` says so
(:func:`has_demo_data` tells it which case it is in). Everything is synthetic
(``training_data.generate``); nothing is real.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import services
from api.matching import LiveIndex
from api.models import ReportRow, User
from api.roles import Role
from api.schemas import InterceptionIn

DEMO_SEED = 20240611


def seed_demo(
    sessions: sessionmaker[Session],
    read_sessions: sessionmaker[Session],
    *,
    n_reports: int = 5000,
    n_interceptions: int = 300,
    submit: int = 60,
) -> dict[Role, str]:
    """Load the demo data if the database has no reports; return a new token per role."""
    from training_data.generate import generate

    if not has_demo_data(sessions):
        data = generate(n_reports=n_reports, n_interceptions=n_interceptions, seed=DEMO_SEED)
        with sessions() as session:
            services.bulk_load_reports(session, data.reports)
        index = LiveIndex(read_sessions)
        index.load()
        with sessions() as session:
            officer = _demo_user(session, Role.BGB_OFFICER)
            for rec in data.interceptions[:submit]:
                body = InterceptionIn.model_validate(
                    {k: getattr(rec, k) for k in InterceptionIn.model_fields}
                )
                services.submit_interception(session, officer, body, index=index, top_k=5)
    tokens: dict[Role, str] = {}
    with sessions() as session:
        for role in Role:
            user = _demo_user(session, role)
            services.revoke_user_tokens(session, None, user.id)
            _token, plain = services.new_token(session, None, user.id)
            tokens[role] = plain
    return tokens


def has_demo_data(sessions: sessionmaker[Session]) -> bool:
    """Whether the database already holds reports (a restart: :func:`seed_demo` loads nothing)."""
    with sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(ReportRow)))


def demo_username(role: Role) -> str:
    """The demo user's name for ``role`` (e.g. ``demo-bgb-officer``)."""
    return f"demo-{role.value.replace('_', '-')}"


def _demo_user(session: Session, role: Role) -> User:
    username = demo_username(role)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user, _token, _plain = services.create_user(session, None, username, role)
    return user
