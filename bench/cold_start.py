"""Cold start as a user waits for it: a fresh Python process imports the app and answers its first
authenticated request, against a fresh process running a bare Chalice app that answers one route
with one DynamoDB GetItem (``import chalice, boto3`` and a client: what any such app pays).

Both run against the same embedded AWS (moto's server on a loopback port, provisioned and seeded
like the local stack) and are invoked as Lambda invokes them: the handler called with an API
Gateway proxy event. The app's request is ``GET /me`` with a real ID token from the embedded
Cognito, so its signature is verified against the JWKS that moto serves. Each sample is the time
from the first line of the child process to the response (interpreter start-up, the same for
both, is left out). The two alternate so machine noise hits both alike; medians are printed for
three environments: Lambda's (``LAMBDA_TASK_ROOT``...) with tracing disabled; Lambda's with
tracing on (``POWERTOOLS_TRACE_DISABLED=false`` and a trace header: the X-Ray SDK loads, patches
botocore and sends its segments over UDP to the default daemon address on loopback, where nobody
listens); and outside Lambda with tracing disabled (the local stack and the tests).
Target: app / floor at most 1.4 with tracing disabled. A first ``POST /tickets`` is printed
against the same floor too (it reaches more tables and services: DynamoDB, S3, Step Functions).
Run: .venv/bin/python -m bench.cold_start [rounds]; ``--profile`` prints the slowest imports
and a cProfile of one app sample instead.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 9
MARK = "COLD-START-MS"
FLOOR_KEY = {"pk": {"S": "USER#lin"}, "sk": {"S": "FLOOR"}}
REPORT = {"category": "public_area", "description": "楼道堆放杂物", "photos": 2,
          "location": {"estate_id": "jinxiu-huayuan", "building": "1"}}

CONTEXT = """
class Context:
    function_name = "api_handler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:api_handler"
    aws_request_id = "cold-start"

    def get_remaining_time_in_millis(self):
        return 30000
"""

APP = f"""
import time
started, cpu_started = time.perf_counter(), time.process_time()
import json, os
from app import app
{CONTEXT}
response = app(json.loads(os.environ["COLD_START_EVENT"]), Context())
print("{MARK}", (time.perf_counter() - started) * 1000,
      (time.process_time() - cpu_started) * 1000, response["statusCode"], flush=True)
os._exit(0)
"""

FLOOR = f"""
import time
started, cpu_started = time.perf_counter(), time.process_time()
import json, os
import boto3
from chalice import Chalice
{CONTEXT}
app = Chalice(app_name="floor")


@app.route("/me")
def me():
    item = boto3.client("dynamodb").get_item(TableName=os.environ["FANGLIN_TABLE"],
                                             Key={FLOOR_KEY!r})["Item"]
    return {{"user_id": item["user_id"]["S"]}}


response = app(json.loads(os.environ["COLD_START_EVENT"]), Context())
print("{MARK}", (time.perf_counter() - started) * 1000,
      (time.process_time() - cpu_started) * 1000, response["statusCode"], flush=True)
os._exit(0)
"""

LAMBDA = {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "api_handler",
          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}
OUTSIDE_LAMBDA = {"POWERTOOLS_TRACE_DISABLED": "true"}
TRACING_OFF = {**LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"}
TRACING_ON = {
    **LAMBDA,
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-67a00000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;"
                        "Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}
MODES = {"tracing disabled": TRACING_OFF, "tracing on": TRACING_ON,
         "outside Lambda": OUTSIDE_LAMBDA}
PRODUCTION_LIKE = {"POWERTOOLS_SERVICE_NAME": "fanglin", "POWERTOOLS_METRICS_NAMESPACE": "Fanglin",
                   "POWERTOOLS_METRICS_DISABLED": "false", "POWERTOOLS_DEV": "false"}


def proxy_event(token: str, method: str = "GET", path: str = "/me",
                body: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Host": "api.fanglin.example",
               "Accept": "application/json", "Content-Type": "application/json"}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
        "body": json.dumps(body) if body is not None else None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "path": f"/api{path}",
                           "stage": "api", "requestId": "cold-start-request",
                           "identity": {"sourceIp": "127.0.0.1"}},
    }


def child_environment(aws_environment: dict[str, str], event: dict[str, Any],
                      tracing: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return {**keep, **aws_environment, **PRODUCTION_LIKE, **tracing, "TICKETS_PER_HOUR": "1000",
            "COLD_START_EVENT": json.dumps(event), "PYTHONPATH": str(ROOT)}


def sample(code: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, *flags, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"child failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def elapsed_ms(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of the child from its first line to the answer."""
    out = sample(code, env).stdout
    line = next(x for x in reversed(out.splitlines()) if x.startswith(MARK))
    _, wall, cpu, status = line.split()
    if status not in ("200", "201"):
        raise RuntimeError(f"the first request answered {status}: {out[-2000:]}")
    return float(wall), float(cpu)


@dataclass(frozen=True)
class Pair:
    app_ms: float
    floor_ms: float
    app_cpu_ms: float
    floor_cpu_ms: float

    def line(self, name: str, target: str = "") -> str:
        return (f"  {name:>16}: app {self.app_ms:.0f} ms, floor {self.floor_ms:.0f} ms, ratio "
                f"{self.app_ms / self.floor_ms:.2f}{target}; CPU {self.app_cpu_ms:.0f} / "
                f"{self.floor_cpu_ms:.0f} ms = {self.app_cpu_ms / self.floor_cpu_ms:.2f}")


def pair(env: dict[str, str], rounds: int, app_env: dict[str, str] | None = None) -> Pair:
    app_env = app_env or env
    app: list[tuple[float, float]] = []
    floor: list[tuple[float, float]] = []
    elapsed_ms(APP, app_env)
    elapsed_ms(FLOOR, env)
    for _ in range(rounds):
        app.append(elapsed_ms(APP, app_env))
        floor.append(elapsed_ms(FLOOR, env))
    return Pair(*(statistics.median(x[i] for x in samples)
                  for i in (0, 1) for samples in (app, floor)))


def profile(env: dict[str, str]) -> None:
    imports = sample(APP, env, "-X", "importtime").stderr.splitlines()
    top = []
    for line in imports:
        if line.startswith("import time:") and line.count("|") == 2:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and name.startswith(" ") and name[1] != " ":
                top.append((int(cumulative), name.strip()))
    print("slowest top-level imports (cumulative ms):")
    for us, name in sorted(top, reverse=True)[:20]:
        print(f"  {us / 1000:7.1f}  {name}")
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "app.prof"
        code = APP.replace("os._exit(0)", "").strip()
        script = Path(tmp) / "child.py"
        script.write_text(code)
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats_path), str(script)],
                       cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
        import pstats

        print("cProfile, top 30 by cumulative time:")
        pstats.Stats(str(stats_path)).sort_stats("cumulative").print_stats(30)


def main(argv: list[str]) -> None:
    import boto3

    from bench.harness import served_aws

    profiling = "--profile" in argv
    numbers = [int(a) for a in argv if a.isdigit()]
    rounds = numbers[0] if numbers else ROUNDS
    with served_aws() as aws:
        boto3.client("dynamodb").put_item(
            TableName=aws.environment["FANGLIN_TABLE"],
            Item={**FLOOR_KEY, "user_id": {"S": "lin"}})
        token = aws.token("lin")
        event = proxy_event(token)
        if profiling:
            profile(child_environment(aws.environment, event, TRACING_OFF))
            return
        results = {name: pair(child_environment(aws.environment, event, tracing), rounds)
                   for name, tracing in MODES.items()}
        report = proxy_event(token, "POST", "/tickets", REPORT)
        create = pair(child_environment(aws.environment, event, TRACING_OFF), rounds,
                      child_environment(aws.environment, report, TRACING_OFF))
    print(f"median of {rounds}, fresh process to first answer (GET /me with token verification "
          f"vs a bare Chalice + boto3 GetItem):")
    for name, result in results.items():
        print(result.line(name, " (target <= 1.4)" if name == "tracing disabled" else ""))
    print("a first POST /tickets (2 photos) against the same floor, tracing disabled:")
    print(create.line("POST /tickets"))


if __name__ == "__main__":
    main(sys.argv[1:])
