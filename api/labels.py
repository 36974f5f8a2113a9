"""Labelled training data from the reviewers' decisions in the service's database.

A deployment's own confirmed matches are the best evidence of how its children's names, ages
and places really differ between a police report and a border form. :func:`decision_splits`
turns every confirmed (not revoked) decision into a labelled interception and splits those
interceptions, by a stable hash of their id, into a training and a validation split for
:func:`matcher.training.train_on_splits` (``shondhan train --from-database``). Both splits see
the whole report pool (open, found and closed reports alike), so candidates keep the
look-alikes of real operation.

Only confirmed matches are labels. An interception whose candidates were all rejected may still
belong to a report nobody proposed, so it is left out rather than called "never reported";
the validation split therefore holds no unreported children, and the model's bands are chosen
on match precision alone.

Audit: the labelled interceptions and their confirmed reports are the records whose content
shapes the model, and each is recorded as read by the user who runs the training; the rest of
the pool is read the way the engine reads it at start-up (never shown, never written out).
Nothing personal leaves the process: the model file holds weights and counts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.matching import interception_record, report_record
from api.models import CandidateRow, DecisionKind, DecisionRow, InterceptionRow, ReportRow, User
from matcher.training import LabelledSplit

#: Share of the labelled interceptions held out to calibrate and choose the bands.
VALIDATION_SHARE = 0.4
#: Fewer confirmed matches than this train nothing trustworthy (bands on ~40 children).
MIN_CONFIRMED = 100


@dataclass(frozen=True, slots=True)
class DecisionSplits:
    """Training and validation splits built from confirmed decisions."""

    train: LabelledSplit
    validation: LabelledSplit

    @property
    def confirmed(self) -> int:
        """Labelled interceptions in both splits."""
        return len(self.train.interceptions) + len(self.validation.interceptions)


def confirmed_matches(session: Session) -> dict[str, frozenset[str]]:
    """Interception id → report ids a reviewer confirmed (decisions not revoked)."""
    rows = session.execute(
        select(CandidateRow.interception_id, CandidateRow.report_id)
        .join(DecisionRow, DecisionRow.candidate_id == CandidateRow.id)
        .where(DecisionRow.decision == DecisionKind.CONFIRM, DecisionRow.revoked_at.is_(None))
    )
    matches: dict[str, set[str]] = defaultdict(set)
    for interception_id, report_id in rows:
        matches[interception_id].add(report_id)
    return {k: frozenset(v) for k, v in matches.items()}


def in_validation(interception_id: str, share: float = VALIDATION_SHARE) -> bool:
    """Stable split by id: the same interception always falls on the same side."""
    digest = hashlib.sha256(interception_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def decision_splits(
    session: Session, user: User | None, *, share: float = VALIDATION_SHARE
) -> DecisionSplits:
    """Labelled splits from the confirmed decisions (see the module docstring); the labelled
    records are audited as read by ``user`` in ``session`` (the caller commits)."""
    matches = confirmed_matches(session)
    rows = (
        session.scalars(
            select(InterceptionRow)
            .where(InterceptionRow.interception_id.in_(list(matches)))
            .order_by(InterceptionRow.interception_id)
        ).all()
        if matches
        else []
    )
    interceptions = [interception_record(r) for r in rows]
    reports = [
        report_record(r) for r in session.scalars(select(ReportRow).order_by(ReportRow.report_id))
    ]
    audit.record(
        session,
        user,
        AuditAction.READ,
        RecordType.INTERCEPTION,
        [i.interception_id for i in interceptions],
    )
    audit.record(
        session,
        user,
        AuditAction.READ,
        RecordType.REPORT,
        sorted({rid for ids in matches.values() for rid in ids}),
    )
    val = [i for i in interceptions if in_validation(i.interception_id, share)]
    train = [i for i in interceptions if not in_validation(i.interception_id, share)]
    return DecisionSplits(
        train=LabelledSplit(
            reports, train, {i.interception_id: matches[i.interception_id] for i in train}
        ),
        validation=LabelledSplit(
            reports, val, {i.interception_id: matches[i.interception_id] for i in val}
        ),
    )
