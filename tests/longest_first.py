"""pytest plugin for `make test` (``-p tests.longest_first`` with ``--dist loadfile``): the test
files that take longest run first, so that no worker is left with a long file at the end while
the others are idle, and the end-to-end escalation's one-minute Step Functions Wait overlaps
the other files. Files take the rank of the first prefix of ``RANKS`` their path starts with;
within a rank, files with more tests go first; the tests of a file keep their order.

With ``--dist loadfile`` it also hands some files to one worker together (``together``): the CDK
tests (one synth per auth variant, not one per worker) and the e2e files that use the shared
local stack (one stack start, not one per worker)."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

RANKS = (
    "tests/e2e/test_faults.py",  # about 2 min, most of it waiting for the per-minute sweep
    "tests/e2e/test_escalation.py",  # about 60 s waiting for a one-minute SLA target
    "tests/e2e/test_load.py",  # thousands of tickets on a stack of its own
    "tests/e2e/test_schemathesis.py",  # three fuzzer runs on a stack of its own, ~75 s
    "tests/integration/test_stats_property.py",  # 200 hypothesis examples, about 50 s
    "tests/integration/test_points_state_machine.py",  # one stateful hypothesis test, ~15 s
    "tests/e2e/",  # local stacks: one shared per worker, and the files that start their own
    "tests/infra/",  # CDK synths
    "tests/integration/",
    "tests/unit/",
)


# e2e files that start their own stack (or none): the others share the worker's stack.
OWN_STACK = ("tests/e2e/test_escalation.py", "tests/e2e/test_lambda_bridge.py",
             "tests/e2e/test_load.py", "tests/e2e/test_faults.py",
             "tests/e2e/test_schemathesis.py")
SHARED_STACK = "tests/e2e/ (shared stack)"


def together(path: str) -> str:
    """The work unit of a test file: its path, or the group it runs with."""
    if path.startswith("tests/infra/"):
        return "tests/infra/"
    if path.startswith("tests/e2e/") and path not in OWN_STACK:
        return SHARED_STACK
    return path


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class TogetherScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return together(nodeid.split("::", 1)[0])

    return TogetherScheduling(config, log)


def rank(path: str) -> int:
    return next((i for i, prefix in enumerate(RANKS) if path.startswith(prefix)), len(RANKS))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    sizes = Counter(item.nodeid.split("::")[0] for item in items)

    def order(item: pytest.Item) -> tuple[int, int, str]:
        path = item.nodeid.split("::")[0]
        return rank(path), -sizes[path], path

    items.sort(key=order)
