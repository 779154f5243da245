import io
import json
import logging

import pytest

from chalicelib.core import observability


@pytest.fixture
def log_lines():
    """Structured log lines the app writes, through powertools' own formatter."""
    logger = observability.logger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_correlation_id_is_echoed_and_logged(api, capsys, log_lines):
    response = api.get("/me", "lin", headers={"X-Correlation-Id": "corr-123"})
    assert response.headers["X-Correlation-Id"] == "corr-123"
    logs = [entry for entry in log_lines() if entry.get("message") == "request"]
    assert logs and logs[-1]["correlation_id"] == "corr-123" and logs[-1]["status"] == 200
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith('{"_aws"')]
    assert emitted and emitted[-1]["Requests"] == [1.0]
    assert emitted[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FanglinTest"


def test_generated_correlation_id(api):
    first = api.get("/me", "lin").headers["X-Correlation-Id"]
    second = api.get("/me", "lin").headers["X-Correlation-Id"]
    assert first and second and first != second
