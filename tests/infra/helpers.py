"""Reading a synthesized CloudFormation template in tests."""

from __future__ import annotations

import graphlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SUB_REFERENCE = re.compile(r"\$\{([^!}][^}.]*)")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """A string expression as ``Fn::Sub``-style text: ``arn:${AWS::Partition}:...${Fn.Arn}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref":
            return "${" + str(argument) + "}"
        if function == "Fn::GetAtt":
            return "${" + ".".join(as_list(argument)) + "}"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part) for part in parts)
    raise ValueError(f"not a string expression: {value!r}")


def _subnodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _subnodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _subnodes(item)


def referenced_names(resource: dict[str, Any]) -> set[str]:
    """Every logical id or pseudo parameter a resource refers to, DependsOn included."""
    names = set(as_list(resource.get("DependsOn", [])))
    for node in _subnodes({k: v for k, v in resource.items() if k != "DependsOn"}):
        if isinstance(node.get("Ref"), str):
            names.add(node["Ref"])
        attribute = node.get("Fn::GetAtt")
        if isinstance(attribute, list):
            names.add(attribute[0])
        elif isinstance(attribute, str):
            names.add(attribute.split(".")[0])
        sub = node.get("Fn::Sub")
        if sub is not None:
            names.update(SUB_REFERENCE.findall(as_list(sub)[0]))
    return names


def dependency_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """The resources in creation order; raises graphlib.CycleError on a circular dependency."""
    graph = {
        name: referenced_names(resource) & resources.keys() for name, resource in resources.items()
    }
    return list(graphlib.TopologicalSorter(graph).static_order())


def lint_errors(document: dict[str, Any], directory: Path) -> list[str]:
    """cfn-lint errors (not warnings) of a template; everything it finds is printed."""
    from cfnlint.api import lint_file

    path = directory / "template.json"
    path.write_text(json.dumps(document))
    matches = lint_file(path)
    for match in matches:
        print(f"cfn-lint {match.rule.severity}: {match}")
    return [str(m) for m in matches if m.rule.severity == "error"]
