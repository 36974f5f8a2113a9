"""The review queue and the candidate page (police reviewer).

``/review`` lists the candidates awaiting a decision, highest score first, with filters by band,
the child's home district and the interception date. ``/review/{id}`` shows the interception
and the report side by side (each field marked agree / partial / disagree / missing), the
report's age carried forward to the interception date, the place relation in words and the
per-field contribution chart; the decision form (confirm / reject / unsure + note) posts to
``api.services.decide`` (which audits it) and the *next* candidate of the same filtered queue
opens (the one after the decided one in queue order, ``review_queue(after=...)``): the queue's
filters travel in the candidate links' query string and the decision form's hidden fields.

Filters (band, the interception's home district in any spelling or script, the interception
date range) are the service's: ``api.services.review_queue`` applies them in SQL and paginates
the filtered queue, so every page of a filtered view is reachable and only the rows shown are
audited. Bad filter input (an unknown band, a date that does not parse, a district with nothing
in it) means "no filter", never an error; a date range typed backwards is refused by the service
(the JSON route's 422) and the page says so (status 422, no candidate shown). The page says how
many candidates match and how many are in the queue in total. Reading the queue, a candidate,
its report and its interception are all audited by the services; this module runs no SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from api import services
from api.errors import InvalidError
from api.matching import candidate_record, interception_record, report_record
from api.models import CandidateStatus, DecisionKind, User
from api.roles import Action
from api.schemas import DecisionIn
from api.web.context import PageDep, WebRoute, live_index
from api.web.places import district_names
from api.web.sidebyside import fact_line, field_rows, reasons
from matcher.dates import parse_date
from matcher.explain import score_text, starting_odds_phrase
from matcher.levels import RecordField
from matcher.records import Band, Language

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 25
MAX_PAGE = 400_000  # offset 10,000,000, as the JSON route allows
FLASHES = frozenset({"decision_saved", "decided"})


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The queue filters as typed values (bad input means "no filter", never an error; whether
    the values make sense together, e.g. a date range typed backwards, is the service's call)."""

    band: Band | None = None
    district: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(cls, band: str, district: str, date_from: str, date_to: str) -> QueueFilter:
        try:
            chosen = Band(band) if band else None
        except ValueError:
            chosen = None
        if chosen not in services.REVIEW_BANDS:  # no_match is never in the queue: no filter
            chosen = None
        start = parse_date(date_from[:40]) if date_from else None
        end = parse_date(date_to[:40]) if date_to else None
        return cls(band=chosen, district=district.strip()[:100], date_from=start, date_to=end)

    @property
    def active(self) -> bool:
        """True if any filter is set."""
        return bool(self.band or self.district or self.date_from or self.date_to)

    def query(self) -> str:
        """The filters as a query string ("" without any), to carry them from page to page."""
        values = {
            "band": self.band.value if self.band else "",
            "district": self.district,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def _queue(
    page: PageDep,
    user: User,
    chosen: QueueFilter,
    *,
    limit: int,
    offset: int = 0,
    after: str | None = None,
    newest: bool = False,
) -> services.QueuePage:
    """The service's filtered queue (it filters in SQL, groups one child's candidates into one
    row and audits exactly the rows returned)."""
    return services.review_queue(
        page.db,
        user,
        limit=limit,
        offset=offset,
        band=chosen.band,
        district=chosen.district or None,
        date_from=chosen.date_from,
        date_to=chosen.date_to,
        after=after,
        newest=newest,
    )


def _queue_page(
    page: PageDep, user: User, chosen: QueueFilter, number: int, *, newest: bool = False
) -> services.QueuePage:
    """Page ``number`` (from 1) of the filtered queue and the filtered total."""
    return _queue(
        page, user, chosen, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, newest=newest
    )


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    page: PageDep,
    band: str = "",
    district: str = "",
    date_from: str = "",
    date_to: str = "",
    p: int = 1,
    done: str = "",
    order: str = "",
) -> Response:
    """The queue, best first (``order=newest``: newest first), filtered and paginated; what
    arrived since the reviewer's previous look is marked new, and this look is recorded."""
    user = page.require(Action.REVIEW_QUEUE)
    newest = order == "newest"
    last_look = services.mark_queue_seen(page.db, user)
    chosen = QueueFilter.parse(band, district, date_from, date_to)
    filters = {"band": band, "district": district, "date_from": date_from, "date_to": date_to}
    number = max(1, min(p, MAX_PAGE))
    try:
        shown, matching, others = _queue_page(page, user, chosen, number, newest=newest)
    except InvalidError as exc:  # the service's filter policy: the same refusal as the API's
        total = services.review_queue(page.db, user, limit=0).total
        return page.render(
            "review.html",
            status=422,
            nav="review",
            rows=[],
            total=total,
            matching=0,
            page_number=1,
            has_next=False,
            chosen=chosen,
            filters=filters,
            filter_error=exc.code,
            districts=district_names(),
            flash=None,
            newest=newest,
            fresh=set(),
        )
    if not shown and matching and number > 1:  # past the end: show the last page instead
        number = min(number, math.ceil(matching / PAGE_SIZE))
        shown, matching, others = _queue_page(page, user, chosen, number, newest=newest)
    # the whole queue's size, beside the filtered count (no row is read)
    total = services.review_queue(page.db, user, limit=0).total if chosen.active else matching
    has_next = number * PAGE_SIZE < matching
    # the queue shows each interception's district and date: an audited read (the service's)
    interceptions = services.queue_interceptions(page.db, user, shown) if shown else {}
    return page.render(
        "review.html",
        nav="review",
        rows=[(c, interceptions.get(c.interception_id)) for c in shown],
        total=total,
        matching=matching,
        page_number=number,
        has_next=has_next,
        chosen=chosen,
        filters=filters,
        filter_error=None,
        districts=district_names(),
        flash=done if done in FLASHES else None,
        queue_query=chosen.query(),
        newest=newest,
        fresh={c.id for c in shown if last_look is None or c.created_at > last_look},
        others=others,
    )


@router.get("/review/{candidate_id}", response_class=HTMLResponse)
def candidate_page(
    page: PageDep,
    candidate_id: str,
    done: str = "",
    band: str = "",
    district: str = "",
    date_from: str = "",
    date_to: str = "",
) -> Response:
    """Interception and report side by side, with the reasons and the decision form (which
    carries the queue's filters, so the decision leads to the next candidate of that queue)."""
    user = page.require(Action.REVIEW_QUEUE)
    chosen = QueueFilter.parse(band, district, date_from, date_to)
    candidate = services.get_candidate(page.db, user, candidate_id)
    interception = services.get_interception(page.db, user, candidate.interception_id)
    report = services.get_report(page.db, user, candidate.report_id)
    decisions = services.list_decisions(page.db, user, candidate.id)
    child, missing = interception_record(interception), report_record(report)
    account = candidate_record(candidate)
    contributions = list(account.contributions)
    language = Language(page.lang.value)
    return page.render(
        "candidate.html",
        nav="review",
        candidate=candidate,
        score_shown=score_text(candidate.score, language),
        interception=interception,
        report=report,
        rows=field_rows(child, missing, contributions),
        contributions=contributions,
        reasons=reasons(contributions, child, missing, language),
        age_line=fact_line(contributions, RecordField.AGE, language),
        place_line=fact_line(contributions, RecordField.PLACE, language),
        other_terms=starting_odds_phrase(account.baseline_bits, account.pool_bits, language),
        decisions=decisions,
        decided_by=services.usernames(page.db, [d.decided_by for d in decisions]),
        open_for_decision=candidate.status in (CandidateStatus.OPEN, CandidateStatus.UNSURE),
        flash=done if done in FLASHES else None,
        chosen=chosen,
        queue_query=chosen.query(),
    )


@router.post("/review/{candidate_id}/decision")
def decide(
    page: PageDep,
    candidate_id: str,
    decision: str = Form(...),
    note: str = Form("", max_length=2000),
    band: str = Form(""),
    district: str = Form("", max_length=200),
    date_from: str = Form("", max_length=40),
    date_to: str = Form("", max_length=40),
) -> Response:
    """Record the decision (audited by the service), then open the next candidate of the same
    filtered queue: the one after this candidate's place in it (or the queue page at its end)."""
    user = page.require(Action.DECIDE)
    chosen = QueueFilter.parse(band, district, date_from, date_to)
    query = chosen.query()
    try:
        kind = DecisionKind(decision)
    except ValueError:
        return page.redirect(f"/review/{candidate_id}" + (f"?{query}" if query else ""))
    services.decide(
        page.db,
        user,
        candidate_id,
        DecisionIn(decision=kind, note=note.strip() or None),
        index=live_index(page.request),
    )
    try:
        following = _queue(page, user, chosen, limit=1, after=candidate_id).rows
    except InvalidError:  # a filter the queue refuses (a backwards range): the plain queue
        following, query = [], ""
    tail = "done=decision_saved" + (f"&{query}" if query else "")
    if following:
        return page.redirect(f"/review/{following[0].id}?{tail}")
    return page.redirect(f"/review?{tail}")
