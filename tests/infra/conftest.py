"""Synthesizes the CDK stack once per session: `chalice package` and a CDK synth, ~5 s warm."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

STAGE = "dev"


@dataclass(frozen=True)
class Synthesized:
    stack: Any
    template: Any
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    document: dict[str, Any]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == resource_type}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stacks.fanglin_stack import FanglinStack

    workdir: Path = tmp_path_factory.mktemp("synth")
    # chalice.cdk.Chalice writes its package under ./chalice.out: keep it out of the repository.
    with contextlib.chdir(workdir):
        # cfn-lint checks the template below; CDK's own validator would add ~8 s to the synth.
        app = cdk.App(outdir=str(workdir / "cdk.out"), builtin_cloud_formation_validation=False)
        stack = FanglinStack(app, STAGE)
        template = Template.from_stack(stack)
    document = dict(template.to_json())
    return Synthesized(
        stack=stack,
        template=template,
        resources=document["Resources"],
        outputs=document.get("Outputs", {}),
        document=document,
    )
