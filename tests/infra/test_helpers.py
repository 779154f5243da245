"""The infra code that runs without a synth: context parsing, names, bundle pruning."""

from __future__ import annotations

import graphlib
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.stacks.auth import external_issuer
from infra.stacks.escalation import state_machine_name
from infra.stacks.packaging import prune_bundles
from tests.infra.helpers import dependency_order


def node(**context: str) -> cdk.App:
    return cdk.App(context=context)


def test_without_context_the_stack_uses_cognito() -> None:
    assert external_issuer(node().node) is None


def test_external_issuer_from_context() -> None:
    issuer = external_issuer(
        node(auth_issuer="https://id.example.cn/", auth_audience="app", auth_name_claim="nick").node
    )
    assert issuer is not None
    assert issuer.environment() == {
        "AUTH_ISSUER": "https://id.example.cn",
        "AUTH_AUDIENCE": "app",
        "AUTH_TOKEN_USE": "",
        "AUTH_NAME_CLAIM": "nick",
    }


def test_token_use_check_can_be_kept_for_an_external_issuer() -> None:
    issuer = external_issuer(
        node(auth_issuer="https://id.example.cn", auth_audience="a", auth_token_use="id").node
    )
    assert issuer is not None and issuer.environment()["AUTH_TOKEN_USE"] == "id"


@pytest.mark.parametrize(
    "context",
    [
        {"auth_issuer": "https://id.example.cn"},
        {"auth_audience": "app"},
        {"auth_issuer": "http://id.example.cn", "auth_audience": "app"},
    ],
)
def test_incomplete_or_insecure_issuer_is_refused(context: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        external_issuer(node(**context).node)


def test_state_machine_name_is_a_stack_name_token() -> None:
    stack = cdk.Stack(cdk.App(), "s", stack_name="fanglin-dev")
    assert stack.resolve(state_machine_name(stack)) == {
        "Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-escalation"]]
    }


def test_too_long_stack_name_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "s", stack_name="f" * 70)
    with pytest.raises(ValueError):
        state_machine_name(stack)


def test_prune_keeps_the_newest_bundles(tmp_path: Path) -> None:
    names = [f"{i:032x}-python3.11.zip" for i in range(4)]
    for age, name in enumerate(reversed(names)):
        path = tmp_path / name
        path.write_bytes(b"zip")
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "keep.txt").write_text("not a bundle")
    deleted = prune_bundles(tmp_path, keep=2)
    assert sorted(p.name for p in deleted) == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[2:], "keep.txt"]


def test_dependency_order_finds_a_cycle() -> None:
    resources: dict[str, dict[str, Any]] = {
        "Machine": {"Type": "T", "Properties": {"Task": {"Fn::GetAtt": ["Function", "Arn"]}}},
        "Function": {"Type": "T", "Properties": {"Env": {"Fn::Sub": "${Machine}-${AWS::Region}"}}},
        "Other": {"Type": "T", "DependsOn": "Function"},
    }
    with pytest.raises(graphlib.CycleError):
        dependency_order(resources)
    del resources["Function"]["Properties"]
    assert dependency_order(resources).index("Function") < dependency_order(resources).index(
        "Machine"
    )
