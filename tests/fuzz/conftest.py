"""The fuzz modules' shared fixture: each module gets its own server."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.desk import Desk


def open_desk(tmp_path_factory: pytest.TempPathFactory, name: str, **cast) -> Iterator[Desk]:
    """A Desk for one module; fails at the end if anything went wrong after
    the last example (an error logged late, the probe's last round trip)."""
    desk = Desk(tmp_path_factory.mktemp(name), **cast)
    try:
        yield desk
    finally:
        leftovers = desk.close()
    assert not leftovers, "\n".join(leftovers)
