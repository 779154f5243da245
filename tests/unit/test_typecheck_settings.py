"""mypy skips the CDK modules our code does not use (pyproject.toml): every CDK module that the
type-checked code imports, or reaches as an attribute of ``aws_cdk``, must be one it follows,
else its types would silently be Any."""
from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("chalicelib", "app.py", "infra", "bench")


def followed() -> set[str]:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    modules: set[str] = set()
    for override in mypy.get("overrides", []):
        if override.get("follow_imports") == "normal":
            modules.update(override["module"])
    return modules


def cdk_packages() -> set[str]:
    spec = importlib.util.find_spec("aws_cdk")
    assert spec is not None and spec.submodule_search_locations
    return {path.name for location in spec.submodule_search_locations
            for path in Path(location).iterdir() if (path / "__init__.py").exists()}


def checked_files() -> list[Path]:
    files: list[Path] = []
    for name in CHECKED:
        path = ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [f for f in files if "cdk.out" not in f.parts]


def cdk_modules_used(tree: ast.AST, packages: set[str]) -> set[str]:
    used: set[str] = set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "aws_cdk":
                    used.add(alias.name)
                    if alias.name == "aws_cdk":
                        roots.add(alias.asname or "aws_cdk")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "aws_cdk":
            used.add(node.module or "")
            if node.module == "aws_cdk":
                used.update(f"aws_cdk.{a.name}" for a in node.names if a.name in packages)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in roots and node.attr in packages):
            used.add(f"aws_cdk.{node.attr}")
    return used


def test_every_cdk_module_the_code_uses_is_followed() -> None:
    packages = cdk_packages()
    used: dict[str, str] = {}
    for path in checked_files():
        for module in cdk_modules_used(ast.parse(path.read_text()), packages):
            used.setdefault(module, str(path.relative_to(ROOT)))
    assert "aws_cdk.aws_iam" in used
    missing = {module: where for module, where in used.items() if module not in followed()}
    assert not missing, f"add to the follow_imports = 'normal' list in pyproject.toml: {missing}"


def test_the_check_sees_imports_and_attributes() -> None:
    tree = ast.parse("import aws_cdk as cdk\nfrom aws_cdk import aws_sns as sns, Duration\n"
                     "from aws_cdk.aws_ec2 import Vpc\nx = cdk.aws_kms.Key\ny = cdk.Stack\n")
    assert cdk_modules_used(tree, {"aws_sns", "aws_ec2", "aws_kms"}) == {
        "aws_cdk", "aws_cdk.aws_sns", "aws_cdk.aws_ec2", "aws_cdk.aws_kms"}
