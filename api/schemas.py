"""The JSON contract of the API: separate In / Out schemas (a table row is not the contract).

Contract:
- Record fields use the engine's CSV column names (``name``, ``father_name``, ``home_district``).
  Every field but the id is optional: missing is unknown, never a mismatch.
- Text is limited in length and must be storable: NUL characters and unpaired surrogates are
  refused with 422 rather than failing in the database.
- Ids are strings of letters, digits, ``.``, ``_`` and ``-`` (they appear in URLs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from api.matching import candidate_record
from api.models import CandidateStatus, DecisionKind, InterceptionStatus, JobStatus, ReportStatus
from api.roles import Action, Role, allowed
from matcher.ask import question_label
from matcher.explain import describe, score_text
from matcher.fields import NO_DETAIL_REASON, describes_child, read_age, read_date, read_sex
from matcher.records import Band, Candidate, Contribution, Language, Sex, Verdict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SEARCH_LIMIT_MAX = 200
"""The most reports one name search returns (``api.services`` clamps to it as well)."""


NUL_MESSAGE = "text must not contain NUL characters"
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides, isolates
)


def clean_text(value: str) -> str:
    """Text from any door of the service (JSON fields, form fields, query and path parameters,
    CSV cells through the record schemas), as it may be stored: a NUL character is refused
    (``ValueError``: PostgreSQL cannot store it, and it is never meant), and bidirectional
    embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) are removed, so
    that a name cannot reverse the text shown after it (``U+202E``). Idempotent."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value.translate(_BIDI_CONTROLS)


def _storable(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    value = value.strip()
    return value or None


def _storable_required(value: str) -> str:
    cleaned = _storable(value)
    if cleaned is None:
        raise ValueError("must not be blank")
    return cleaned


RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]
Place = Annotated[str, StringConstraints(max_length=100), AfterValidator(_storable)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(_storable)]
Note = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_storable)]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_storable_required)
]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")]


def _door(read: Callable[[object], Any], kind: str) -> PlainValidator:
    """The engine's reader of a field (:mod:`matcher.fields`) as a pydantic validator: the API
    accepts and refuses what the CSV readers and the web forms do, with the same message."""

    def validate(value: object) -> Any:
        try:
            return read(value)
        except ValueError as exc:
            raise PydanticCustomError(kind, str(exc)) from None

    return PlainValidator(validate)


def _json_value(value: object) -> object:
    """A door field's value in JSON (what pydantic's own serializer would write): pydantic
    warns when a :class:`PlainValidator` field is dumped as JSON, so the door types say it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


_AS_JSON = PlainSerializer(_json_value, when_used="json")

AgeIn = Annotated[
    float | None,
    _door(read_age, "age"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
            "description": "Years, 0-120: a number, or text as people write it -- Bangla "
            'digits ("১২"), "about 12", "~12", "12 yrs", "6 months", a range "10-12" '
            "(its midpoint). Blank or null: unknown.",
            "examples": [12, "১২", "about 12", "10-12"],
        }
    ),
]
SexIn = Annotated[
    Sex | None,
    _door(read_sex, "sex"),
    _AS_JSON,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": 'M or F, or a word for it: "male", "female", "boy", "girl", '
            '"ছেলে", "মেয়ে", "পুরুষ", "মহিলা" (any case). Blank or null: unknown.',
            "examples": ["F", "female", "মেয়ে"],
        }
    ),
]
DateIn = Annotated[
    date | None,
    _door(read_date, "date"),
    _AS_JSON,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "ISO 2025-03-14, or day first as Bangladesh writes it -- "
            '"14/03/2025", "14-03-25", "14 Mar 2025", Bangla digits -- never month first; '
            "not after today. Blank or null: unknown.",
            "examples": ["2025-03-14", "14/03/2025", "১৪/০৩/২০২৫"],
        }
    ),
]


def _refuse_empty(record: BaseModel) -> None:
    """The engine's rule for a record with nothing about the child (:mod:`matcher.fields`)."""
    if not describes_child(record):
        raise PydanticCustomError("no_detail", NO_DETAIL_REASON)


_REPORT_EXAMPLE: dict[str, Any] = {
    "report_id": "DMP-2025-0412",
    "name": "মোছাঃ রহিমা খাতুন",
    "father_name": "আব্দুল করিম",
    "mother_name": "Salma Begum",
    "sex": "F",
    "age": 10,
    "report_date": "2025-03-14",
    "district": "Jashore",
    "upazila": "Sharsha",
    "police_station": "Sharsha",
    "guardian_phone": "01700000000",
}
_INTERCEPTION_EXAMPLE: dict[str, Any] = {
    "interception_id": "BGB-BEN-2026-0077",
    "name": "Rohima Khatoon",
    "father_name": "Abdul Karim",
    "mother_name": None,
    "sex": "F",
    "age": 12,
    "interception_date": "2026-09-02",
    "home_district": "Jessore",
    "home_upazila": None,
    "border_post": "Benapole",
    "guardian_phone": None,
}


class ReportIn(BaseModel):
    """A new missing-person report. ``report_id`` is generated when left out.

    Sex, age and date accept what the CSV import accepts (see each field); a report that says
    nothing about the child (no name, parent, sex, age, place or phone) is refused (422).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_REPORT_EXAMPLE]})

    report_id: RecordId | None = None
    name: Name | None = None
    father_name: Name | None = None
    mother_name: Name | None = None
    sex: SexIn = None
    age: AgeIn = None
    report_date: DateIn = None
    district: Place | None = None
    upazila: Place | None = None
    police_station: Place | None = None
    guardian_phone: Phone | None = None

    @model_validator(mode="after")
    def _describes_child(self) -> Self:
        _refuse_empty(self)
        return self


class ReportSearchIn(BaseModel):
    """A name search (``POST /reports/search``): the name travels in the body, never in the URL,
    because URLs end up in proxy access logs, browser history and Referer headers.

    Same limits as the deprecated ``GET /reports?name=``: ``name`` 1-200 characters in either
    script (prefixes such as Md., Mst., মোছাঃ are ignored by the search), ``limit``
    1..``SEARCH_LIMIT_MAX``. A 422 names the field, never the value.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Rohima Khatoon", "limit": 50}]},
    )

    name: Annotated[
        str,
        StringConstraints(min_length=1, max_length=200),
        Field(description="A child's name in either script; prefixes (Md., Mst., মোছাঃ) ignored"),
    ]
    limit: Annotated[int, Field(ge=1, le=SEARCH_LIMIT_MAX)] = 50


class ReportOut(BaseModel):
    """A stored report and its status (``found`` once a match is confirmed)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {**_REPORT_EXAMPLE, "status": "open", "created_at": "2026-09-01T10:00:00Z"}
            ]
        },
    )

    report_id: str
    name: str | None
    father_name: str | None
    mother_name: str | None
    sex: Sex | None
    age: float | None
    report_date: date | None
    district: str | None
    upazila: str | None
    police_station: str | None
    guardian_phone: str | None
    status: ReportStatus
    created_at: datetime
    case_id: str | None = Field(
        default=None,
        description="The case of this child's reports: the id of one of them (its own id "
        "until another report is taken for the same child).",
    )


class SameChildOut(BaseModel):
    """Another open report the engine takes for the same child (reported at another police
    station, or twice at one): its id and the engine's score (0-1), never its details."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [{"report_id": "R-2", "score": 0.99}]}
    )

    report_id: str
    score: float


class InterceptionDetails(BaseModel):
    """What a BGB officer records about a child: every field optional (unknown). Sex, age and
    date accept what the CSV files accept (see each field)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    father_name: Name | None = None
    mother_name: Name | None = None
    sex: SexIn = None
    age: AgeIn = None
    interception_date: DateIn = None
    home_district: Place | None = None
    home_upazila: Place | None = None
    border_post: Place | None = None
    guardian_phone: Phone | None = None


class InterceptionIn(InterceptionDetails):
    """A new BGB interception. ``interception_id`` is generated when left out; one that says
    nothing about the child (no name, parent, sex, age, place or phone) is refused (422)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [_INTERCEPTION_EXAMPLE]}
    )

    interception_id: RecordId | None = None

    @model_validator(mode="after")
    def _describes_child(self) -> Self:
        _refuse_empty(self)
        return self


class InterceptionEdit(InterceptionDetails):
    """Details to add to or correct on a stored interception: only the fields sent change
    (``null`` clears one); the id cannot change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"father_name": "Abdul Karim"}]},
    )


class InterceptionOut(BaseModel):
    """A stored interception and its status (``matched`` once a match is confirmed)."""

    model_config = ConfigDict(from_attributes=True)

    interception_id: str
    name: str | None
    father_name: str | None
    mother_name: str | None
    sex: Sex | None
    age: float | None
    interception_date: date | None
    home_district: str | None
    home_upazila: str | None
    border_post: str | None
    guardian_phone: str | None
    status: InterceptionStatus
    created_at: datetime
    case_id: str | None = Field(
        default=None,
        description="The case of this child's interceptions: the id of one of them (its own "
        "id until another interception is taken for the same child).",
    )


class InterceptionVersionOut(BaseModel):
    """An interception's details as they stood before an edit replaced them (``version`` 1:
    as submitted), who replaced them and when."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    details: dict[str, Any]
    edited_by: str
    edited_at: datetime


class ContributionOut(BaseModel):
    """The engine's account of one record field: its verdict and, for users who may read
    reports, its weight (bits: +1 makes a match twice as likely, −1 half as likely), the
    finding in words and the numbers behind it. A BGB officer gets the field and verdict only."""

    field: str
    verdict: Verdict
    weight: float | None = None
    text: str = Field(description='One line in English, e.g. "Father\'s name: agrees — …".')
    text_bn: str = Field(description="The same line in Bangla.")
    facts: dict[str, Any] | None = None


class CandidateOut(BaseModel):
    """A report proposed for an interception: calibrated score (0-1), band, and the engine's
    account of each record field (one contribution per field, strongest first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "candidate_id": "5f0c0d6e8a2b4c1e9d7f3a1b2c3d4e5f",
                    "interception_id": "BGB-BEN-2026-0077",
                    "report_id": "DMP-2025-0412",
                    "rank": 1,
                    "score": 0.93,
                    "score_text": "0.93",
                    "band": "match",
                    "explanation": "name: agree, the same name (a common name) (+6.1); ...",
                    "contributions": [
                        {
                            "field": "name",
                            "verdict": "agree",
                            "weight": 6.1,
                            "text": "Name: agrees — the same name (a common name); "
                            "makes a match 69× more likely",
                            "text_bn": "নাম: মেলে — একই নাম (প্রচলিত নাম); মিলের সম্ভাবনা ৬৯ গুণ বাড়ায়",
                            "facts": {"similarity": 1.0, "agreeing_tokens": 2},
                        }
                    ],
                    "baseline_bits": -14.7,
                    "pool_bits": 0.0,
                    "model_version": "default",
                    "status": "open",
                }
            ]
        }
    )

    candidate_id: str
    interception_id: str
    report_id: str
    rank: int
    score: float = Field(ge=0, le=1)
    score_text: str = Field(description='The score as pages show it ("< 0.01" below 0.005).')
    band: Band
    explanation: str
    contributions: list[ContributionOut]
    baseline_bits: float | None = None
    pool_bits: float | None = None
    model_version: str
    status: CandidateStatus
    group_others: int | None = Field(
        default=None,
        description="Review queue only: how many more candidates of the same (interception "
        "case, report case) this row stands for -- the same child's other records; 0 for none.",
    )


class ReportCandidatesOut(BaseModel):
    """A report and the children already intercepted who may be this child: its candidates
    (best score first), each with the interception it proposes."""

    report: ReportOut
    candidates: list[CandidateOut]
    interceptions: list[InterceptionOut]


class QuestionOut(BaseModel):
    """An empty interception field worth asking the child, with its label in both languages."""

    field: str = Field(description="The interception field, e.g. ``father_name``.")
    label: str = Field(description='A short English label, e.g. "father\'s name".')
    label_bn: str = Field(description="The same label in Bangla.")


class DuplicateOut(BaseModel):
    """An open interception that may be the same child ("this child may already be in
    Shondhan as I-..."): its id, the engine's score (0-1) and band (``match``: taken for the
    same child, the two share a case; ``review``: worth checking). Never its details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"interception_id": "I-7F3A", "score": 0.82, "score_text": "0.82", "band": "review"}
            ]
        }
    )

    interception_id: str
    score: float = Field(ge=0, le=1)
    score_text: str
    band: Band


def duplicate_out(flag: Any) -> DuplicateOut:
    """The API view of a :class:`matcher.dedupe.DuplicateFlag`."""
    return DuplicateOut(
        interception_id=flag.record_id,
        score=min(1.0, max(0.0, float(flag.score))),
        score_text=score_text(flag.score),
        band=flag.band,
    )


class InterceptionResult(BaseModel):
    """The stored interception, its ranked candidates (best first) and ``ask_next``: the empty
    fields whose answer would best separate the candidates, best first (empty when the best
    candidate stands out, no missing detail would help, or the interception is matched).
    On submission, ``possible_duplicates``: open interceptions that may be the same child."""

    interception: InterceptionOut
    candidates: list[CandidateOut]
    ask_next: list[QuestionOut] = Field(default_factory=list)
    possible_duplicates: list[DuplicateOut] = Field(default_factory=list)


class ReviewPage(BaseModel):
    """One page of the review queue, highest score first (or newest first)."""

    items: list[CandidateOut]
    total: int
    limit: int
    offset: int
    new: int | None = Field(
        default=None,
        description="Queued candidates created since this reviewer last opened the queue page.",
    )


class WebhookDeliveryOut(BaseModel):
    """One attempt to deliver a webhook event: ids and counts only."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    attempt: int
    candidates: int
    status_code: int | None
    delivered: bool
    error: str | None
    at: datetime


class DecisionIn(BaseModel):
    """A reviewer's decision on a candidate, with an optional note."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "confirm", "note": "Father confirmed by phone."}]
        },
    )

    decision: DecisionKind
    note: Note | None = None


class RevokeIn(BaseModel):
    """Why an admin revokes a decision (required)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Confirmed on the wrong candidate."}]},
    )

    reason: Reason


class DecisionOut(BaseModel):
    """A decision as stored; revoked decisions keep their reason."""

    model_config = ConfigDict(from_attributes=True)

    decision_id: str
    candidate_id: str
    decision: DecisionKind
    note: str | None
    decided_by: str
    decided_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    decided_by_username: str | None = None
    revoked_by_username: str | None = None


class RejectOut(BaseModel):
    """One problem with one CSV row (row 1 is the header); the value itself is never echoed,
    and ``record_id`` only when it looks like a record id (else ``null``: the row number names
    the row)."""

    row_number: int
    record_id: str | None
    field: str
    reason: str


class RejectCountOut(BaseModel):
    """How many rejects share a field and a reason (a row number in the reason reads
    ``row N``)."""

    field: str
    reason: str
    count: int


class ImportResult(BaseModel):
    """Outcome of a CSV import. With bad rows and no ``partial``, nothing is stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "committed": True,
                    "imported": 998,
                    "rejected_rows": 2,
                    "total_rejects": 2,
                    "rejects": [
                        {
                            "row_number": 17,
                            "record_id": "DMP-17",
                            "field": "age",
                            "reason": "age does not parse",
                        }
                    ],
                    "counts": [{"field": "age", "reason": "age does not parse", "count": 2}],
                    "rejects_csv": "/reports/imports/4f0c.../rejects.csv",
                }
            ]
        }
    )

    committed: bool
    imported: int
    rejected_rows: int
    total_rejects: int = 0
    rejects: list[RejectOut] = Field(
        description="The first 1,000 rejects by row; all of them are in ``rejects_csv``"
    )
    counts: list[RejectCountOut] = Field(default_factory=list)
    rejects_csv: str | None = Field(
        default=None, description="Where the uploader downloads every reject as CSV"
    )


class ImportRefused(ImportResult):
    """A 422 from an import: why (``detail``) and, for a readable file, the first 1,000 bad
    rows, counts of all of them and where to download them all.

    Also the shape of an ordinary validation error (only ``detail``), hence the defaults.
    """

    detail: Any
    committed: bool = False
    imported: int = 0
    rejected_rows: int = 0
    rejects: list[RejectOut] = Field(default_factory=list)


class ReconciliationOut(BaseModel):
    """A batch run and its progress (``done`` of ``total`` interceptions)."""

    reconciliation_id: str
    status: JobStatus
    total: int
    done: int
    candidates: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class AuditEventOut(BaseModel):
    """Who did what to which record, when (ids only)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    user_id: str | None
    username: str | None
    action: str
    record_type: str
    record_id: str


class AuditPage(BaseModel):
    """Events in the order they happened, after ``after_id``."""

    items: list[AuditEventOut]
    next_after_id: int | None


class UserIn(BaseModel):
    """A new user."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"username": "reviewer.khulna", "role": "police_reviewer"}]
        },
    )

    username: Username
    role: Role


class UserOut(BaseModel):
    """A user (no secrets)."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str
    username: str
    role: Role
    disabled: bool
    created_at: datetime


class TokenCreated(BaseModel):
    """A new bearer token. ``token`` is shown only in this response: store it now. It works
    until ``expires_at`` unless revoked."""

    token_id: str
    user_id: str
    token: str
    expires_at: datetime | None = None


class RevokedTokens(BaseModel):
    """How many tokens were revoked."""

    revoked: int


class Health(BaseModel):
    """Liveness and readiness (no personal data, no auth)."""

    status: str
    database: bool
    index_ready: bool
    reports_indexed: int


class ErrorOut(BaseModel):
    """Every error body: a short message, never a stack trace or personal data."""

    detail: Any


# -- row -> schema helpers (the DB row is not the contract; these are the only mappings) -----
def may_read_reports(user: Any) -> bool:
    """Whether a user's role may read reports, and so the report's side of an explanation."""
    return allowed(user.role, Action.REPORT_READ)


def contribution_out(c: Contribution, *, reveal_report: bool) -> ContributionOut:
    """The API view of one contribution; without ``reveal_report`` the verdict only."""
    return ContributionOut(
        field=c.field,
        verdict=c.verdict,
        weight=c.weight if reveal_report else None,
        text=describe(c, language=Language.EN, reveal_report=reveal_report),
        text_bn=describe(c, language=Language.BN, reveal_report=reveal_report),
        facts=dict(c.facts) if reveal_report else None,
    )


def candidate_out(
    row: Any, *, reveal_report: bool, account: Candidate | None = None
) -> CandidateOut:
    """The API view of a stored candidate. ``reveal_report``: the user may read reports (a
    reviewer, an analyst); a BGB officer may not, and gets each field's verdict but none of the
    report's values (no places, ages, dates, similarities or phone agreement). ``account``:
    the row as the engine's candidate when the caller has it (a submission, from
    :func:`api.matching.stored_candidate`), else read from the row."""
    if account is None:
        account = candidate_record(row)
    contributions = [
        contribution_out(c, reveal_report=reveal_report) for c in account.contributions
    ]
    if reveal_report:
        explanation = account.explanation
    else:
        explanation = "; ".join(f"{c.field}: {c.verdict.value}" for c in account.contributions)
    return CandidateOut(
        candidate_id=row.id,
        interception_id=row.interception_id,
        report_id=row.report_id,
        rank=row.rank,
        score=row.score,
        score_text=score_text(row.score),
        band=row.band,
        explanation=explanation,
        contributions=contributions,
        baseline_bits=account.baseline_bits if reveal_report else None,
        pool_bits=account.pool_bits if reveal_report else None,
        model_version=row.model_version,
        status=row.status,
    )


def decision_out(row: Any, names: dict[str, str] | None = None) -> DecisionOut:
    """The API view of a stored decision; ``names`` (user id -> username, from
    ``services.usernames``) fills in who decided and who revoked."""
    names = names or {}
    return DecisionOut(
        decision_id=row.id,
        candidate_id=row.candidate_id,
        decision=row.decision,
        note=row.note or None,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        decided_by_username=names.get(row.decided_by),
        revoked_by_username=names.get(row.revoked_by) if row.revoked_by else None,
    )


def user_out(row: Any) -> UserOut:
    """The API view of a user (no secrets)."""
    return UserOut(
        user_id=row.id,
        username=row.username,
        role=row.role,
        disabled=row.disabled,
        created_at=row.created_at,
    )


def reconciliation_out(row: Any) -> ReconciliationOut:
    """The API view of a batch run."""
    return ReconciliationOut(
        reconciliation_id=row.id,
        status=row.status,
        total=row.total,
        done=row.done,
        candidates=row.candidates,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def questions_out(fields: list[str]) -> list[QuestionOut]:
    """The API view of ``ask_next``: each field with the engine's English and Bangla label."""
    return [
        QuestionOut(
            field=f,
            label=question_label(f, Language.EN),
            label_bn=question_label(f, Language.BN),
        )
        for f in fields
    ]
