"""Turning what an officer typed into the service's input schemas, with readable errors.

Forms post strings; the service takes ``InterceptionIn`` / ``ReportIn``. Here we only bridge:
empty boxes become ``None`` (unknown, never a mismatch), ages and dates go through the engine's
own lenient parsers (``matcher.dates``: "~12", "১২", "10-12", "12/03/2025"), and a pydantic
error becomes a list of (field, message) pairs shown next to the form. Never raises on odd
input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from matcher.dates import parse_age, parse_date
from matcher.records import Sex

Model = TypeVar("Model", bound=BaseModel)

MAX_FIELD = 2000


@dataclass
class FormResult:
    """The parsed model (or None) plus the problems, keyed by form field."""

    model: Any = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""


def parse_record_form(
    form: Mapping[str, Any],
    schema: type[Model],
    *,
    date_field: str,
    id_field: str,
) -> FormResult:
    """Build ``schema`` from form fields named like its attributes."""
    names = list(schema.model_fields)
    values = {name: _text(form, name) for name in names}
    data: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name in names:
        raw = values[name]
        if not raw:
            data[name] = None
        elif name == "age":
            age = parse_age(raw)
            if age is None:
                errors.append((name, "not an age"))
            data[name] = age
        elif name == date_field:
            day = parse_date(raw)
            if day is None:
                errors.append((name, "not a date"))
            data[name] = day
        elif name == "sex":
            data[name] = raw if raw in {s.value for s in Sex} else None
        else:
            data[name] = raw
    if data.get(id_field) is None:
        data.pop(id_field, None)
    if errors:
        return FormResult(None, errors, values)
    try:
        return FormResult(schema.model_validate(data), [], values)
    except ValidationError as exc:
        for err in exc.errors():
            loc = str(err["loc"][0]) if err.get("loc") else "form"
            errors.append((loc, str(err.get("msg", "invalid"))[:200]))
        return FormResult(None, errors, values)
