PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# chalice 1.34 needs pip < 26.3 (its packaging drives pip).
PIP_VERSION := 26.2.1
API_PORT ?= 8000
AWS_PORT ?= 5000
MQTT_PORT ?= 1883
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test check lint typecheck unit integration e2e infra token device bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	API_PORT=$(API_PORT) AWS_PORT=$(AWS_PORT) MQTT_PORT=$(MQTT_PORT) $(BIN)/python -m infra.local

token: $(STAMP)
	@AWS_PORT=$(AWS_PORT) $(BIN)/python -m infra.local.token $(USER)

device: $(STAMP)
	@AWS_PORT=$(AWS_PORT) MQTT_PORT=$(MQTT_PORT) $(BIN)/python -m infra.local.devices $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy chalicelib app.py infra bench

# Whole files per worker (one local stack or moto set-up each), the longest first. Three workers
# on two cores: the e2e faults and escalation files mostly wait for one-minute clocks (measured
# on the whole suite: 216-233 s with three, 238-268 s with two).
PYTEST_FLAGS ?= -n 3 --dist loadfile --no-loadscope-reorder -p tests.longest_first
TESTS ?= tests

# The load test's size (tests/e2e/test_load.py): make test runs 300 tickets from 50 clients,
# make check the full 2,000.
TEST_LOAD_TICKETS ?= 300

# pytest in the foreground, lint and typecheck beside it (their output follows pytest's); fails
# when any of the three fails.
test: export LOAD_TICKETS ?= $(TEST_LOAD_TICKETS)
test: $(STAMP)
	@checks=$$(mktemp); \
	echo "$(MAKE) -k lint typecheck (beside pytest)"; \
	$(MAKE) --no-print-directory -k lint typecheck >$$checks 2>&1 & checking=$$!; \
	echo "$(BIN)/python -m pytest $(PYTEST_FLAGS) $(TESTS)"; \
	$(BIN)/python -m pytest $(PYTEST_FLAGS) $(TESTS); tested=$$?; \
	wait $$checking; checked=$$?; cat $$checks; rm -f $$checks; \
	test $$tested -eq 0 && test $$checked -eq 0

# The slow evidence alone (load on the running stack, the fuzzer); make test runs it as well.
check: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_FLAGS) -m check tests/e2e

unit integration e2e infra: $(STAMP)
	$(BIN)/python -m pytest tests/$@

bench: $(STAMP)
	$(BIN)/python -m bench.cold_start
	$(BIN)/python -m bench.requests_per_route
	$(BIN)/python -m bench.stats_cost
	$(BIN)/python -m bench.sweep_cost
	$(BIN)/python -m bench.photo_pipeline
	$(BIN)/python -m bench.device_ingest

clean:
	rm -rf $(VENV) chalice.out cdk.out infra/cdk.out .chalice/deployments
