"""Synthesizes the CDK stack at most twice per session: the default (Cognito) variant, and the
external-issuer variant for partitions without Cognito user pools. Each synth runs
`chalice package`, which reuses the bundle in `.chalice/deployments` while the code is unchanged
(a few seconds; 10–30 s after a code change)."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

STAGE = "dev"
REPO_ROOT = Path(__file__).resolve().parents[2]
EXTERNAL_AUTH_CONTEXT = {
    "auth_issuer": "https://login.fanglin.example.cn/",
    "auth_audience": "fanglin-mobile",
    "auth_jwks_url": "https://login.fanglin.example.cn/keys",
    "auth_groups_claim": "roles",
    "auth_community_claim": "community_id",
}


@dataclass(frozen=True)
class Synthesized:
    stack: Any
    template: Any
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    document: dict[str, Any]
    seconds: float

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == resource_type}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))


def synthesize(workdir: Path, context: dict[str, str] | None = None) -> Synthesized:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stacks.fanglin_stack import FanglinStack
    from infra.stacks.packaging import prune_bundles

    started = time.perf_counter()
    # chalice.cdk.Chalice writes its package under ./chalice.out: keep it out of the repository.
    with contextlib.chdir(workdir):
        # cfn-lint checks the template; CDK's own validator would add ~8 s to the synth.
        app = cdk.App(
            outdir=str(workdir / "cdk.out"),
            builtin_cloud_formation_validation=False,
            context=context,
        )
        stack = FanglinStack(app, STAGE)
        template = Template.from_stack(stack)
    prune_bundles(REPO_ROOT / ".chalice" / "deployments")
    document = dict(template.to_json())
    return Synthesized(
        stack=stack,
        template=template,
        resources=document["Resources"],
        outputs=document.get("Outputs", {}),
        document=document,
        seconds=time.perf_counter() - started,
    )


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("synth"))


@pytest.fixture(scope="session")
def synthesized_external_auth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("synth-external-auth"), EXTERNAL_AUTH_CONTEXT)
