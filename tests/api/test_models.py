"""api.models' row ids: ``new_ids`` gives as many distinct 32-hex-character ids as asked, from
one read of the system's randomness."""

from __future__ import annotations

import re

import pytest

from api.models import new_id, new_ids


@pytest.mark.parametrize("n", [0, 1, 11, 500], ids=["none", "one", "a-submission", "many"])
def test_new_ids_are_distinct_32_hex_ids(n: int) -> None:
    ids = new_ids(n)
    assert len(ids) == n
    assert len(set(ids)) == n
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert re.fullmatch(r"[0-9a-f]{32}", new_id())
