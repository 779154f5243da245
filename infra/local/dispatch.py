"""A local stand-in for the Lambda service: a registry of function name → handler, invoked with
a real-shaped event and a fake context. The SQS poller, and later Step Functions tasks and
schedules, all call functions through it."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]
ACCOUNT_ID = "123456789012"


class UnknownFunctionError(KeyError):
    pass


@dataclass(frozen=True)
class FunctionSettings:
    timeout_s: int = 60
    memory_mb: int = 512


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and powertools use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_s - elapsed) * 1000))


@dataclass(frozen=True)
class _Function:
    handler: Handler
    settings: FunctionSettings


class Dispatcher:
    """Invoke registered functions by name, as Lambda would: JSON in, JSON out."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._partition = "aws-cn" if region.startswith("cn-") else "aws"
        self._functions: dict[str, _Function] = {}
        self._lock = threading.Lock()

    def register(self, name: str, handler: Handler,
                 settings: FunctionSettings | None = None) -> None:
        with self._lock:
            self._functions[name] = _Function(handler, settings or FunctionSettings())

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._functions)

    def arn(self, name: str) -> str:
        return f"arn:{self._partition}:lambda:{self._region}:{ACCOUNT_ID}:function:{name}"

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Run the handler with a JSON copy of ``event``; returns its JSON-serialisable result.

        Raises UnknownFunctionError, or whatever the handler raises.
        """
        with self._lock:
            function = self._functions.get(name)
        if function is None:
            raise UnknownFunctionError(name)
        context = LambdaContext(
            function_name=name, invoked_function_arn=self.arn(name),
            memory_limit_in_mb=function.settings.memory_mb,
            timeout_s=function.settings.timeout_s,
        )
        result = function.handler(json.loads(json.dumps(event)), context)
        return json.loads(json.dumps(result)) if result is not None else None


def event_handler_names(app: Any) -> list[str]:
    """Names of the app's non-HTTP functions: pure Lambda functions and event sources."""
    names = [f.name for f in app.pure_lambda_functions]
    names += [source.name for source in app.event_sources]
    return list(dict.fromkeys(names))


def from_app(app: Any, region: str,
             settings_for: Callable[[str], FunctionSettings] | None = None) -> Dispatcher:
    """A dispatcher holding every pure Lambda function and event handler of a Chalice app,
    through ``app.handler_map`` so the app's middleware runs as it does in Lambda."""
    dispatcher = Dispatcher(region)
    for name in event_handler_names(app):
        settings = settings_for(name) if settings_for else None
        dispatcher.register(name, app.handler_map[name], settings)
    return dispatcher
