"""The heartbeat rule's SELECT (run by IoT Core) and ``heartbeat_item`` (run by the local bridge)
write the same item: evaluated here with a small interpreter of the IoT SQL subset it uses."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from chalicelib.devices.store import heartbeat_item, heartbeat_select

JAVA_TO_STRFTIME = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def _java_format(pattern: str, epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    out = ""
    for token in re.findall(r"'[^']*'|yyyy|MM|dd|HH|mm|ss|SSS|.", pattern):
        if token.startswith("'"):
            out += token[1:-1]
        elif token == "SSS":
            out += f"{moment.microsecond // 1000:03d}"
        elif token in JAVA_TO_STRFTIME:
            out += moment.strftime(JAVA_TO_STRFTIME[token])
        else:
            out += token
    return out


def evaluate(expression: str, topic: str, now_ms: int) -> Any:
    expression = expression.strip()
    plus = _split_top(expression, "+")
    if len(plus) > 1:
        return sum(evaluate(term, topic, now_ms) for term in plus)
    division = _split_top(expression, "/")
    if len(division) == 2:
        return evaluate(division[0], topic, now_ms) / evaluate(division[1], topic, now_ms)
    if expression[0] in "'\"":
        return expression[1:-1]
    if expression.isdigit():
        return int(expression)
    call = re.fullmatch(r"(\w+)\((.*)\)", expression, re.S)
    assert call, f"not in the interpreted subset: {expression}"
    name, args = call.group(1), [a for a in _split_top(call.group(2)) if a]
    values = [evaluate(arg, topic, now_ms) for arg in args]
    if name == "topic":
        return topic.split("/")[values[0] - 1]
    if name == "timestamp":
        return now_ms
    if name == "concat":
        return "".join(str(v) for v in values)
    if name == "parse_time":
        return _java_format(values[0], values[1])
    if name == "floor":
        return int(values[0] // 1)
    raise AssertionError(f"function {name} not interpreted")


def select_output(topic: str, now_ms: int) -> dict[str, Any]:
    output = {}
    for column in _split_top(heartbeat_select()):
        expression, alias = re.fullmatch(r"(.*)\s+AS\s+(\w+)", column, re.S).groups()  # type: ignore[union-attr]
        output[alias] = evaluate(expression, topic, now_ms)
    return output


@pytest.mark.parametrize("now_ms", [1_700_000_000_123, 1_767_225_599_999, 1_767_225_600_000])
def test_select_and_item_are_the_same_item(now_ms: int) -> None:
    topic = "fanglin/jinxiu/devices/pm25-1/events"
    item = heartbeat_item("jinxiu", "pm25-1", {"type": "heartbeat", "seq": 7}, now_ms)
    assert select_output(topic, now_ms) == item


def test_item_carries_keys_index_and_ttl_as_the_watch_reads_them() -> None:
    item = heartbeat_item("jinxiu", "mh-1", {"type": "heartbeat"}, 1_700_000_000_123)
    assert item["pk"] == "DEVICE#mh-1"
    assert item["sk"] == "SEEN#jinxiu"
    assert item["last_seen"] == "2023-11-14T22:13:20.123Z"
    assert item["gsi3pk"] == "DEVSEEN#jinxiu"
    assert item["gsi3sk"] == "2023-11-14T22:13:20.123Z#mh-1"
    assert all(isinstance(item[k], str) for k in ("pk", "sk", "gsi3pk", "gsi3sk", "last_seen"))
    assert item["expires_at"] == 1_700_000_000 + 30 * 24 * 3600


def test_payload_fields_are_not_stored() -> None:
    item = heartbeat_item("jinxiu", "mh-1", {"type": "heartbeat", "pk": "X", "secret": 1}, 0)
    assert item["pk"] == "DEVICE#mh-1"
    assert "secret" not in item and "type" not in item
    assert "*" not in heartbeat_select()
