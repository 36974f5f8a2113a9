"""One router module per resource; each route is a thin call into :mod:`api.services`."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorOut

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, invalid or revoked bearer token"},
    403: {"model": ErrorOut, "description": "The caller's role may not do this"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Not found"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Conflicts with the current state"}
}
