"""``/health`` (no auth: liveness and readiness) and ``/metrics`` (Prometheus text)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.db import database_ok
from api.deps import IndexDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request, index: IndexDep) -> JSONResponse:
    """``ok`` when the database answers and the matching index is loaded (else 503)."""
    database = database_ok(request.app.state.read_sessions)
    body = Health(
        status="ok" if database and index.ready else "unavailable",
        database=database,
        index_ready=index.ready,
        reports_indexed=len(index),
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        **AUTH_ERRORS,
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Metrics"},
    },
)
def metrics(
    request: Request, _user: Annotated[User, require_role(Action.METRICS_READ)]
) -> Response:
    """Prometheus text format: request counts/latencies by route template, index size."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
