"""How many inputs the fuzzer tries, and how.

In CI (SHIFTDESK_FUZZ unset) each event, route and frame kind gets
`CI_EXAMPLES` inputs, derandomized: every run tries the same inputs, so a
red CI run is reproducible. `SHIFTDESK_FUZZ=N` tries N inputs each, random
ones (a new search each run), and keeps failing examples in .hypothesis/ so
the next run replays them first.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

FUZZ = os.environ.get("SHIFTDESK_FUZZ", "").strip()
CI_EXAMPLES = 40  # per event and frame kind (routes: half): the whole fuzzer in about a minute on 2 cores


def examples() -> int:
    return int(FUZZ) if FUZZ else CI_EXAMPLES


def fuzz_settings(ci_scale: float = 1.0) -> settings:
    """`ci_scale`: a share of the CI budget, for the many targets of one
    module (SHIFTDESK_FUZZ=N always means N each)."""
    return settings(
        max_examples=examples() if FUZZ else max(1, int(CI_EXAMPLES * ci_scale)),
        deadline=None,  # a durable commit or a 1 MiB frame takes what it takes
        derandomize=not FUZZ,
        database=settings.default.database if FUZZ else None,
        suppress_health_check=list(HealthCheck),  # slow and large inputs are the point here
        # Shrinking replays inputs against a server whose state moved on; it
        # helps, but never for longer than the failure itself is worth.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        report_multiple_bugs=False,
        print_blob=bool(FUZZ),
    )
