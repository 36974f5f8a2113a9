"""Every page of the web interface in one router (``create_app`` includes it)."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import (
    account_pages,
    admin_pages,
    auth_pages,
    batch_pages,
    docs_pages,
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
router.include_router(account_pages.router)
router.include_router(docs_pages.router)

__all__ = ["router"]
