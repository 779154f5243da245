import json

import pytest

from chalicelib import observability


@pytest.fixture
def fresh_logger():
    """Powertools binds its handler to sys.stdout when created: create it inside the capture."""
    observability.logger.cache_clear()
    yield
    observability.logger.cache_clear()


def test_correlation_id_is_echoed_and_logged(api, capsys, fresh_logger):
    response = api.get("/me", "lin", headers={"X-Correlation-Id": "corr-123"})
    assert response.headers["X-Correlation-Id"] == "corr-123"
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    logs = [entry for entry in lines if entry.get("message") == "request"]
    assert logs and logs[-1]["correlation_id"] == "corr-123" and logs[-1]["status"] == 200
    metrics = [entry for entry in lines if "_aws" in entry]
    assert metrics and metrics[-1]["Requests"] == [1.0]


def test_generated_correlation_id(api):
    first = api.get("/me", "lin").headers["X-Correlation-Id"]
    second = api.get("/me", "lin").headers["X-Correlation-Id"]
    assert first and second and first != second
