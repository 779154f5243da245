"""moto's Lambda runs the app's real handlers, through the dispatcher.

This touches moto internals, so moto's version is pinned (requirements.txt); check this seam again
when it changes. With ``lambda.use_docker`` off, every Invoke request ends in
``moto.awslambda_simple.models.LambdaSimpleBackend.invoke``, which only echoes the payload: the
Invoke API, EventBridge targets and the Step Functions interpreter (a Task calls Invoke over HTTP
at ``localhost:$MOTO_PORT``). ``LambdaBridge.install`` replaces that one method. Functions in its
routes run through the dispatcher; any other function keeps moto's echo, and an unknown one is
a 404 as in Lambda. Event-source triggers that moto delivers itself (S3, SNS, SQS mappings) go
through ``LambdaFunction.invoke`` instead and are not bridged: the local stack polls for those.

A handler that raises answers as Lambda's Python runtime does: ``X-Amz-Function-Error:
Unhandled`` and ``{"errorType": <exception class name>, "errorMessage": ...}``. moto's interpreter
takes the state error name from ``errorType``, so Retry and Catch match the class name.
"""
from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra.local.dispatch import Dispatcher

log = logging.getLogger("fanglin.local.lambda")
SimpleInvoke = Callable[..., Any]
HERE = str(Path(__file__).resolve().parent)


def error_payload(err: BaseException, request_id: str) -> dict[str, Any]:
    """What Lambda's Python runtime returns for an unhandled exception (the stack trace without
    the local stack's own frames)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not f.filename.startswith(HERE)]
    return {
        "errorMessage": str(err),
        "errorType": type(err).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def _event(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body) if body else {}


class LambdaBridge:
    """Routes moto function names to dispatcher names while installed."""

    _lock = threading.Lock()
    _active: LambdaBridge | None = None

    def __init__(self, dispatcher: Dispatcher, routes: Mapping[str, str]) -> None:
        self._dispatcher = dispatcher
        self._routes = dict(routes)
        self._original: SimpleInvoke | None = None

    def install(self) -> None:
        """Raises RuntimeError when another bridge is installed in this process."""
        from moto.awslambda_simple.models import LambdaSimpleBackend

        with LambdaBridge._lock:
            if LambdaBridge._active is not None:
                raise RuntimeError("a LambdaBridge is already installed")
            original: SimpleInvoke = LambdaSimpleBackend.invoke
            bridge = self

            def invoke(backend: Any, function_name: str, qualifier: str | None, body: Any,
                       headers: Any, response_headers: dict[str, str]) -> bytes | None:
                function = backend.get_function(function_name, qualifier)
                target = bridge._routes.get(function.function_name)
                if target is None:
                    return original(backend, function_name, qualifier, body, headers,
                                    response_headers)
                return bridge.invoke(target, body, headers, response_headers)

            self._original = original
            setattr(LambdaSimpleBackend, "invoke", invoke)  # noqa: B010 - mypy: method assign
            LambdaBridge._active = self

    def uninstall(self) -> None:
        """Restore moto's method; safe to call twice."""
        from moto.awslambda_simple.models import LambdaSimpleBackend

        with LambdaBridge._lock:
            if LambdaBridge._active is self and self._original is not None:
                setattr(LambdaSimpleBackend, "invoke", self._original)  # noqa: B010
                LambdaBridge._active = None
                self._original = None

    def invoke(self, target: str, body: Any, headers: Any,
               response_headers: dict[str, str]) -> bytes:
        """One Invoke: ``RequestResponse`` runs now, ``Event`` in the background,
        ``DryRun`` not at all."""
        event = _event(body)
        invocation = (headers.get("X-Amz-Invocation-Type") if headers else None) \
            or "RequestResponse"
        if invocation == "DryRun":
            return b""
        if invocation == "Event":
            threading.Thread(target=self.run, args=(target, event, {}),
                             name=f"lambda-{target}", daemon=True).start()
            return b""
        return self.run(target, event, response_headers)

    def run(self, target: str, event: Any, response_headers: dict[str, str]) -> bytes:
        request_id = str(uuid.uuid4())
        try:
            result = self._dispatcher.invoke(target, event)
        except Exception as err:
            log.warning("%s failed: %s: %s", target, type(err).__name__, err)
            log.debug("%s traceback", target, exc_info=True)
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error_payload(err, request_id)).encode("utf-8")
        return json.dumps(result).encode("utf-8")
