"""pytest plugin for `make test` (``-p tests.longest_first`` with ``--dist loadfile``): the test
files that take longest run first, so that no worker is left with a long file at the end while
the others are idle, and the end-to-end escalation's one-minute Step Functions Wait overlaps
the other files. Within a rank the collection order is kept."""
from __future__ import annotations

import pytest

# Earliest first: a file takes the rank of the first prefix its path starts with.
RANKS = (
    "tests/e2e/test_escalation.py",  # about 60 s waiting for a one-minute SLA target
    "tests/integration/test_stats_property.py",  # 200 hypothesis examples, about 50 s
    "tests/e2e/",  # each file starts its own local stack
    "tests/infra/",  # CDK synths
    "tests/integration/",
    "tests/unit/",
)


def rank(path: str) -> int:
    return next((i for i, prefix in enumerate(RANKS) if path.startswith(prefix)), len(RANKS))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: rank(item.nodeid))
