"""pytest plugin for `make test` (``-p tests.longest_first`` with ``--dist loadfile``): the test
files that take longest run first, so that no worker is left with a long file at the end while
the others are idle, and the end-to-end escalation's one-minute Step Functions Wait overlaps
the other files. Files take the rank of the first prefix of ``RANKS`` their path starts with;
within a rank, files with more tests go first; the tests of a file keep their order."""
from __future__ import annotations

from collections import Counter

import pytest

RANKS = (
    "tests/e2e/test_escalation.py",  # about 60 s waiting for a one-minute SLA target
    "tests/integration/test_stats_property.py",  # 200 hypothesis examples, about 50 s
    "tests/integration/test_points_state_machine.py",  # one stateful hypothesis test, ~15 s
    "tests/e2e/",  # local stacks: one shared per worker, and the files that start their own
    "tests/infra/",  # CDK synths
    "tests/integration/",
    "tests/unit/",
)


def rank(path: str) -> int:
    return next((i for i, prefix in enumerate(RANKS) if path.startswith(prefix)), len(RANKS))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    sizes = Counter(item.nodeid.split("::")[0] for item in items)

    def order(item: pytest.Item) -> tuple[int, int, str]:
        path = item.nodeid.split("::")[0]
        return rank(path), -sizes[path], path

    items.sort(key=order)
