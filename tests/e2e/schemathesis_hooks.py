"""Schemathesis hooks of tests/e2e/test_schemathesis.py, loaded by ``st run`` through
``SCHEMATHESIS_HOOKS``; they read what the plan wrote to the file ``FANGLIN_FUZZ_PLAN`` names.

- every request is counted per operation and phase (the README reports cases per operation);
- a schema-valid request refused with 400 is forgiven only when every field the answer names is
  one the plan tolerates for that operation, for a reason JSON Schema cannot express (a cursor
  only the API issues, an id that must name a stored object, one field ordered after another);
- a request with a method the local HTTP server has no handler for (TRACE, QUERY), answered 501
  by that server before the app sees it, is forgiven (see ``schemathesis_plan.LOCAL_SERVER``).
Each forgiven failure is counted too, with its reason.
"""
from __future__ import annotations

import fnmatch
import json
import os
from functools import lru_cache
from typing import Any

import schemathesis

PLAN_ENV = "FANGLIN_FUZZ_PLAN"


@lru_cache(maxsize=1)
def _plan() -> dict[str, Any]:
    path = os.environ.get(PLAN_ENV)
    return json.loads(open(path, encoding="utf-8").read()) if path else {}


def _record(line: dict[str, Any]) -> None:
    path = _plan().get("calls")
    if path:
        with open(path, "a", encoding="utf-8") as calls:
            calls.write(json.dumps(line) + "\n")


def _phase(case: Any) -> str:
    phase = getattr(getattr(case, "meta", None), "phase", None)
    name = getattr(phase, "name", None)
    return str(getattr(name, "value", name) or "unknown")


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    _record({"operation": case.operation.label, "method": response.request.method,
             "phase": _phase(case), "status": response.status_code})


def refusals(body: Any) -> list[tuple[str, str]]:
    """``(field, kind)`` of each refusal an error answer names: ``rule`` for a validator's
    value_error, ``domain`` for a domain check (no pydantic type), ``schema`` otherwise."""
    found = []
    if isinstance(body, dict):
        for detail in body.get("details") or ():
            kind = {None: "domain", "value_error": "rule"}.get(detail.get("type"), "schema")
            found.append((str(detail.get("field")), kind))
    elif isinstance(body, list):
        for error in body:
            field, _, message = str(error.get("description", "")).partition(": ")
            found.append((field, "rule" if message.startswith("Value error") else "domain"))
    return found


def tolerated(operation: str, refused: list[tuple[str, str]]) -> str | None:
    """The plan's reasons, when it gives one for every refusal in ``refused``."""
    rules = _plan().get("tolerated", {}).get(operation, [])
    reasons = []
    for field, kind in refused:
        reason = next((r for pattern, k, r in rules
                       if k == kind and fnmatch.fnmatchcase(field, pattern)), None)
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(sorted(set(reasons))) if reasons else None


def _body(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, TypeError):
        return None


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    kind = type(failure).__name__
    method = response.request.method
    reason = None
    if response.status_code == 501 and b"Unsupported method" in (response.content or b""):
        reason = _plan().get("local_server", "TRACE")
    elif kind == "RejectedPositiveData" and response.status_code == 400:
        reason = tolerated(case.operation.label, refusals(_body(response)))
    if reason is None:
        return True
    _record({"operation": case.operation.label, "method": method, "phase": "forgiven",
             "failure": kind, "reason": reason})
    return False
