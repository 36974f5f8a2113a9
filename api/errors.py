"""Domain errors raised by :mod:`api.services`; the app maps each to an HTTP status.

Contract: messages are fixed phrases plus ids — never a name, phone or note — because they
reach logs and JSON bodies. The web pages catch the same exceptions.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class; ``status`` is the HTTP status the JSON API answers with."""

    status = 400

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class NotFoundError(ServiceError):
    """The record does not exist (or the caller may not know it exists)."""

    status = 404


class ForbiddenError(ServiceError):
    """The caller's role may not do this."""

    status = 403


class ConflictError(ServiceError):
    """The request contradicts the current state (duplicate id, decision conflict)."""

    status = 409


class InvalidError(ServiceError):
    """The input is well-formed but not acceptable (e.g. a CSV with bad rows, a date range
    typed backwards).

    ``field`` names the input the problem is in, when it is one (a JSON route answers a 422
    whose ``loc`` ends with it); ``code`` is a fixed key for the problem that a page or the
    command line translates (an :mod:`api.web.i18n` label key).
    """

    status = 422

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        code: str = "invalid_input",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, extra=extra)
        self.field = field
        self.code = code


class UnavailableError(ServiceError):
    """The service is not ready (e.g. the matching index is still loading)."""

    status = 503
