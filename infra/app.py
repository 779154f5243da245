"""CDK app: ``cd infra && cdk synth`` (or ``cdk deploy -c stage=dev``).

Without Cognito user pools (AWS China), name another OIDC issuer:
``cdk deploy -c auth_issuer=https://... -c auth_audience=... [-c auth_jwks_url=...]``.
"""

import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# First on the path: `app` must be the Chalice app at the root, not this file.
sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402

from infra.stacks.fanglin_stack import FanglinStack  # noqa: E402
from infra.stacks.packaging import prune_bundles  # noqa: E402


def main() -> None:
    app = cdk.App()
    stage = app.node.try_get_context("stage") or "dev"
    FanglinStack(app, stage, stack_name=f"fanglin-{stage}")
    app.synth()
    # chalice.cdk packages into ./chalice.out; the synth has copied the bundle into cdk.out.
    shutil.rmtree(Path.cwd() / "chalice.out", ignore_errors=True)
    prune_bundles(REPO_ROOT / ".chalice" / "deployments")


if __name__ == "__main__":
    main()
