"""Server-rendered pages for officers and reviewers (issue 5). Placeholder router until it lands."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
