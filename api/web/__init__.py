"""Server-rendered pages for officers and reviewers (issue 5), served by the same FastAPI app.

:mod:`api.web.pages` assembles every page into one ``router``; ``create_app`` includes it. The
pages call the same services layer as the JSON API (``api.services``) and the same role table
(``api.roles``); no business rule, SQL or audit write lives here (``tests/test_layout.py``). See
``api.web.context`` for sessions, CSRF and error pages. This package module imports nothing, so
the ``shondhan`` command can load ``api.web.i18n`` without the pages (about a second of
start-up).
"""
