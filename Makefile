# lifeevents: `make run` starts the whole suite; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PROTOS := $(shell find protos -name '*.proto')
BUNDLE ?= newborn
export PYTHONUNBUFFERED := 1

.PHONY: install protos run migrate demo test test-unit test-integration test-e2e test-web screenshots test-faults test-scale fuzz test-load clean bench bench-ops bench-latency bench-appends bench-officer

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The AsyncAPI parser that validates protos/asyncapi.yaml in the tests (npm, from the lock file).
ASYNCAPI_PARSER := tools/asyncapi/node_modules/.package-lock.json

install: $(VENV)/.installed .protos.stamp $(ASYNCAPI_PARSER)

$(ASYNCAPI_PARSER): tools/asyncapi/package.json tools/asyncapi/package-lock.json
	command -v npm >/dev/null || { echo "npm is needed for the AsyncAPI check: apt-get install -y nodejs npm"; exit 1; }
	cd tools/asyncapi && npm ci --no-audit --no-fund --loglevel=error

# Stubs are generated from protos/ into lifeevents/ (git-ignored), never edited.
.protos.stamp: $(PROTOS) $(VENV)/.installed
	rm -rf lifeevents/v1 lifeevents/departments lifeevents/reflection
	$(PY) -m grpc_tools.protoc -Iprotos --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)
	touch $@

protos: .protos.stamp

# The departments start with the demo seed (services/*/seed.yaml), so `make demo` names people who exist.
# `make run EXCEPT="seals tax"` leaves those departments out. The tables are made first (`make migrate`).
EXCEPT ?=
run: install
	LIFEEVENTS_LOAD_SEED=1 $(PY) -m deploy.run --except "$(EXCEPT)"

# Create every table (event store, projections, PostgreSQL registers) for the configured settings.
migrate: install
	$(VENV)/bin/lifeevents migrate

# OFFICER=1: the bundle's officer path (bundles/examples/officer/), approved with `lifeevents officer`.
# PROACTIVE=1: the department's event offers the bundle (a hospital records a birth, social security's
# retirement scan) and its person confirms the offer (deploy/proactive_demo.py).
PROACTIVE ?=
demo: install
	$(PY) -m deploy.demo bundles/examples/$(if $(OFFICER),officer/)$(BUNDLE).json --bundle $(BUNDLE) $(if $(OFFICER),--officer) $(if $(PROACTIVE),--proactive)

test: install
	$(PY) -m pytest -q

test-unit: install
	$(PY) -m pytest -q tests/unit

test-integration: install
	$(PY) -m pytest -q tests/integration

test-e2e: install
	$(PY) -m pytest -q tests/e2e features

# The web front door in Chromium (Debian's /usr/bin/chromium; apt-get install -y chromium) and its unit tests.
test-web: install
	$(PY) -m pytest -q tests/web tests/unit/test_web_*.py tests/integration/test_web_tls.py

# README's screenshots, made by the browser tests (Chinese text needs a CJK font: fonts-noto-cjk).
screenshots: install
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { echo "install a CJK font first: apt-get install -y fonts-noto-cjk"; exit 1; }
	$(PY) -m pytest -q tests/web/test_applicant_pages.py -k chinese
	mkdir -p docs
	cp var/screenshots/newborn-form-zh.png docs/web-form.png
	cp var/screenshots/newborn-application-zh.png docs/web-application.png

# Kill -9 every process and restart RabbitMQ with 200+ applications in flight; one summary line.
test-faults: install
	$(PY) -m tests.faults.run

# Three coordinators and two instances of every department on PostgreSQL and a three-node RabbitMQ
# cluster of its own, 1,000 applications from 16 clients, kills and a stopped node; one summary line.
test-scale: install
	$(PY) -m tests.scale.run

# The event store's append rate on PostgreSQL with 1, 2 and 4 writers, the library's default and ours.
bench-appends: install
	$(PY) -m bench.appends

# At least 10,000 generated hostile requests over every RPC of both APIs; answers counted per status code.
fuzz: install
	$(PY) -m tests.fuzz.run --requests $(or $(REQUESTS),10000)

# 1,000 open Watch streams while 20 applications a second are submitted: Submit p50/p99 (target p99 < 1 s).
test-load: install
	$(PY) -m bench.watch_load

clean:
	rm -rf lifeevents/v1 lifeevents/departments lifeevents/reflection .protos.stamp var

# Throughput and latency against the raw broker and store limits, a profile, memory with 100k waiting
# applications: a table on stdout and bench/results/latest.json. DURATION in seconds (default 60).
DURATION ?= 60
bench: install
	$(PY) -m bench --duration $(DURATION)

# Replay time of one application and rebuild speed of the read models over 100,000+ events.
bench-ops: install
	$(PY) -m bench.replay_rebuild

# Median submit-to-completed time of 20 newborn applications on a private suite.
bench-latency: install
	$(PY) -m bench.newborn_latency -n 20

# Median submit-to-completed of startups decided at once (秒批) and by an officer acting from a script (后台审批).
bench-officer: install
	$(PY) -m bench.officer_path -n $(or $(ROUNDS),20)
