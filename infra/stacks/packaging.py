"""Running ``chalice package`` from a CDK synth, and keeping its bundle cache small."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Chalice names each bundle after a hash of requirements.txt, app.py and chalicelib/: every code
# change writes a new zip of ~35 MB next to the old ones.
BUNDLE_PATTERN = "*-python*.zip"
BUNDLES_KEPT = 2


@contextmanager
def packaging_environment() -> Iterator[None]:
    """Let ``chalice package`` run without side effects on ``os.environ``.

    It refuses to run without a region, though the template it writes does not depend on it, and
    it copies the stage's environment variables (CDK tokens here) into ``os.environ``.
    """
    saved = dict(os.environ)
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        os.environ["AWS_DEFAULT_REGION"] = os.environ.get("CDK_DEFAULT_REGION", "us-east-1")
    try:
        yield
    finally:
        for name in os.environ.keys() - saved.keys():
            del os.environ[name]
        os.environ.update(saved)


def prune_bundles(deployments: Path, keep: int = BUNDLES_KEPT) -> list[Path]:
    """Delete all but the ``keep`` newest bundles in ``.chalice/deployments``; return the deleted.

    A bundle that vanishes meanwhile (another synth pruning too) is skipped.
    """
    bundles = []
    for path in deployments.glob(BUNDLE_PATTERN):
        if path.name.endswith(".tmp.zip"):
            continue  # being written by a running `chalice package`
        try:
            bundles.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    bundles.sort(reverse=True)
    deleted = []
    for _, path in bundles[keep:]:
        path.unlink(missing_ok=True)
        deleted.append(path)
    return deleted
