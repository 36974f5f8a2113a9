"""Server-rendered pages for officers and reviewers (issue 5), served by the same FastAPI app.

``router`` holds every page; ``create_app`` includes it. The pages call the same services layer
as the JSON API (``api.services``, ``api.jobs``) and the same role table (``api.roles``); no
business rule lives here. See ``api.web.context`` for sessions, CSRF and error pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web import (
    admin_pages,
    auth_pages,
    batch_pages,
    interception_pages,
    report_pages,
    review_pages,
)

router = APIRouter(include_in_schema=False)
router.include_router(auth_pages.router)
router.include_router(interception_pages.router)
router.include_router(review_pages.router)
router.include_router(report_pages.router)
router.include_router(batch_pages.router)
router.include_router(admin_pages.router)

__all__ = ["router"]
