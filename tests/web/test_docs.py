"""/docs works without the internet: Swagger UI's files come from this server, and no page
loads anything from another host (issue 16, item 2). Browser test with other hosts blocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.conftest import ROOT, LiveServer, console_errors


def test_docs_html_and_assets_are_served_here(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert urls
        assert all(u.startswith("/") and not u.startswith("//") for u in urls)
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert asset.content
        assert client.get("/docs/assets/../settings.py").status_code == 404
        assert client.get("/docs/assets/redoc.standalone.js").status_code == 404
        assert client.get("/redoc").status_code == 404  # FastAPI's CDN page is off


def test_no_template_or_static_file_names_another_host() -> None:
    """Pages are offline-complete: no template or static file points at a URL with a host."""
    found = []
    for path in sorted(
        [*Path(ROOT, "api", "templates").rglob("*"), *Path(ROOT, "api", "static").rglob("*")]
    ):
        if path.is_file():
            found += [
                (path.name, m) for m in re.findall(r"(?:https?:)?//[\w.-]+\.\w+", path.read_text())
            ]
    assert found == []


@pytest.mark.browser
def test_docs_lists_the_operations_with_other_hosts_blocked(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(base_url=live_server.url)
    ours = urlsplit(live_server.url).netloc
    foreign: list[str] = []

    def block(route: Any) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    tab = context.new_page()
    errors = console_errors(tab)
    try:
        tab.goto("/docs")
        tab.locator(".opblock").first.wait_for(timeout=20_000)
        paths = tab.locator(".opblock-summary-path").all_inner_texts()
        assert "/interceptions" in " ".join(paths)
        assert any(p.strip().startswith("/review-queue") for p in paths)
        assert tab.locator(".btn.authorize").count() == 1  # where users paste their token
    finally:
        context.close()
    assert foreign == []
    assert errors == []
