"""The ordering plugin of `make test` (tests/longest_first.py): long poles first, bigger files
first within a tier, each file's tests together and in their order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.longest_first import pytest_collection_modifyitems, together


@dataclass
class Item:
    nodeid: str


def test_long_poles_first_then_tiers_then_bigger_files() -> None:
    ids = ["tests/unit/test_a.py::t1", "tests/integration/test_small.py::t1",
           "tests/integration/test_big.py::t1", "tests/integration/test_big.py::t2",
           "tests/e2e/test_local_stack.py::t1", "tests/integration/test_stats_property.py::t",
           "tests/e2e/test_escalation.py::t1", "tests/e2e/test_escalation.py::t2",
           "tests/infra/test_stack.py::t1", "tests/unit/test_a.py::t2"]
    items: list[Any] = [Item(i) for i in ids]
    pytest_collection_modifyitems(items)
    assert [i.nodeid for i in items] == [
        "tests/e2e/test_escalation.py::t1", "tests/e2e/test_escalation.py::t2",
        "tests/integration/test_stats_property.py::t", "tests/e2e/test_local_stack.py::t1",
        "tests/infra/test_stack.py::t1", "tests/integration/test_big.py::t1",
        "tests/integration/test_big.py::t2", "tests/integration/test_small.py::t1",
        "tests/unit/test_a.py::t1", "tests/unit/test_a.py::t2"]


def test_cdk_files_and_shared_stack_files_run_together() -> None:
    assert together("tests/infra/test_stack.py") == together("tests/infra/test_operations.py")
    assert together("tests/e2e/test_concurrency.py") == together("tests/e2e/test_voting.py")
    assert together("tests/e2e/test_escalation.py") == "tests/e2e/test_escalation.py"
    assert together("tests/integration/test_tickets.py") == "tests/integration/test_tickets.py"
