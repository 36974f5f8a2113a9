"""Turning what an officer typed into the service's input schemas, with readable errors.

Forms post strings; the service takes ``InterceptionIn`` / ``ReportIn``. Here we only bridge:
empty boxes become ``None`` (unknown, never a mismatch) and the text goes to the schema as typed,
so sex, ages and dates are read by the same readers as the JSON API and the CSV files
(``matcher.fields``: "~12", "১২", "10-12", "14/03/2025", "মেয়ে"), and refused with the same
words. A pydantic error becomes a list of (field, message) pairs shown next to the form; a
record-level one (nothing about the child) is shown at the name, the first box to fill. Never
raises on odd input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

MAX_FIELD = 2000
RECORD_ERROR_FIELD = "name"
"""Where a problem of the whole record is shown: the first box of the form."""


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
    id_field: str,
) -> FormResult:
    """Build ``schema`` from form fields named like its attributes (blank id: generated)."""
    names = list(schema.model_fields)
    values = {name: _text(form, name) for name in names}
    data: dict[str, Any] = {name: values[name] or None for name in names}
    errors: list[tuple[str, str]] = []
    if data.get(id_field) is None:
        data.pop(id_field, None)
    try:
        return FormResult(schema.model_validate(data), [], values)
    except ValidationError as exc:
        for err in exc.errors():
            loc = str(err["loc"][0]) if err.get("loc") else RECORD_ERROR_FIELD
            errors.append((loc, str(err.get("msg", "invalid"))[:200]))
        return FormResult(None, errors, values)
