import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_lambda_powertools.tracing.tracer import Tracer

from chalicelib.core import observability

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = [
    {},
    {"LAMBDA_TASK_ROOT": "/var/task"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"},
    {"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"},
    {"LAMBDA_TASK_ROOT": "/var/task", "AWS_CHALICE_CLI_MODE": "true"},
    {"POWERTOOLS_TRACE_DISABLED": "false"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tracing_is_disabled_where_powertools_disables_it(monkeypatch, env):
    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL",
                 "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert observability.tracing_disabled() == bool(Tracer._is_tracer_disabled())


def test_a_request_without_tracing_never_loads_the_xray_sdk():
    code = (
        "import sys\n"
        "from chalice import Response\n"
        "from chalicelib.core import observability\n"
        "class Event:\n"
        "    headers = {}\n"
        "    context = {'requestId': 'r-1'}\n"
        "    path, method = '/me', 'GET'\n"
        "answer = observability.middleware(Event(), lambda e: Response(body='', status_code=200))\n"
        "assert answer.headers['X-Correlation-Id'] == 'r-1'\n"
        "assert observability.tracer() is None\n"
        "assert not [m for m in sys.modules if m.startswith('aws_xray_sdk')], 'X-Ray SDK loaded'\n"
    )
    env = {**os.environ, "LAMBDA_TASK_ROOT": str(ROOT), "POWERTOOLS_TRACE_DISABLED": "true",
           "POWERTOOLS_METRICS_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
