"""The fuzz modules' shared fixture: each module gets its own server."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.desk import TRIED, Desk


def open_desk(tmp_path_factory: pytest.TempPathFactory, name: str, **cast) -> Iterator[Desk]:
    """A Desk for one module; fails at the end if anything went wrong after
    the last example (an error logged late, the probe's last round trip)."""
    desk = Desk(tmp_path_factory.mktemp(name), **cast)
    try:
        yield desk
    finally:
        leftovers = desk.close()
    assert not leftovers, "\n".join(leftovers)


def check_the_normal_client(desk: Desk) -> None:
    """The normal client's round trips since the last check: each under
    MAX_ROUND_TRIP_S, none lost. Each fuzz test ends with it (a test of its
    own could run on another pytest-xdist worker, beside another server)."""
    problems = desk.probe_problems()
    assert desk.probe.count > 0, "the probe never completed a round trip"
    assert not problems, (f"{len(problems)} of {desk.probe.count} round trips slow or failed "
                          f"(max {desk.probe.max_s:.2f} s, full collections of the test process left out, "
                          f"the longest {desk.probe.collections.longest_s:.2f} s): {problems[:5]}")


def pytest_terminal_summary(terminalreporter) -> None:
    """How many inputs each event, frame kind and route really got in this
    process (with pytest-xdist the workers keep theirs: run with `-n 0` to
    see them)."""
    if not TRIED:
        return
    terminalreporter.section("fuzz inputs tried")
    for target, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{count:>8}  {target}")
    terminalreporter.write_line(f"{sum(TRIED.values()):>8}  in all; fewest {min(TRIED.values())}")
