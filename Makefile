# Lastmile — the two commands: `make demo` (sample data → warehouse → dashboards) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export LASTMILE_HOME ?= $(CURDIR)/var
export LASTMILE_BUILD_DB ?= $(LASTMILE_HOME)/warehouse/build.duckdb
export LASTMILE_SERVE_DB ?= $(LASTMILE_HOME)/warehouse/lastmile.duckdb
export LASTMILE_DBT_TARGET ?= dev
export DAGSTER_HOME ?= $(LASTMILE_HOME)/dagster
export UV_PYTHON_DOWNLOADS := never

SCALE ?= $(or $(LASTMILE_SAMPLE_SCALE),1)
SEED ?= $(or $(LASTMILE_SAMPLE_SEED),42)
# the sample company's year ends yesterday (Asia/Shanghai), so the default evaluation day of a run
# (today in Asia/Shanghai) is the day after its data, and the current month is month to date
SAMPLE_END ?= $(shell TZ=Asia/Shanghai date -d yesterday +%F)
SAMPLE_START ?= $(shell date -d "$(SAMPLE_END) -1 year +1 day" +%F)

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
SUPERSET_PY := .venv-superset/bin/python
SUPERSET_PORT ?= 8088
DAGSTER_PORT ?= 3000

.PHONY: help setup uv system-deps parse generate pipeline superset demo serve test test-fast lint format \
	contract-doc docs clean bench screenshots spark-setup spark-system-deps spark-up spark-down

help:
	@echo "make demo    set up both environments, generate the sample company, run every asset,"
	@echo "             publish the warehouse and bootstrap Superset"
	@echo "make serve   Superset on http://127.0.0.1:$(SUPERSET_PORT), Dagster on http://127.0.0.1:$(DAGSTER_PORT)"
	@echo "make test    the whole test suite (real dbt, DuckDB, Superset server and Chromium)"
	@echo "make test-fast  the quick loop: no Superset, no browser, no whole-pipeline reruns"
	@echo "make lint    ruff and SQLFluff"
	@echo "make screenshots  redraw the README's pictures of every board (docs/screenshots/)"
	@echo "make docs    the dbt docs site as one offline page (after make demo)"
	@echo "make spark-setup  pyspark + dbt-spark + Java 17 for LASTMILE_ENGINE=spark (docs/scale-out.md)"
	@echo "make spark-up / spark-down  a local Spark Thrift Server on 127.0.0.1:$(SPARK_PORT), stopped by PID"

# --- environments -----------------------------------------------------------------------------
uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		(echo "installing uv" && python3 -m pip install --quiet uv)

# a plain sync removes what no extra asks for: once make spark-setup has run, the spark extra
# stays (a later make lint or make test-fast keeps pyspark and dbt-spark)
.venv/.synced: pyproject.toml uv.lock | uv
	$(UV) sync --frozen $(if $(wildcard .venv/.synced-spark),--extra spark)
	@touch $@

.venv-superset/.synced: dashboards/superset_env/pyproject.toml dashboards/superset_env/uv.lock | uv
	cd dashboards/superset_env && UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-superset $(UV) sync --frozen
	@touch $@

# The checkout is importable from every process of the environment (lastmile.pth, as an editable
# install would do): the Dagster daemon and webserver load the instance's event log class
# (pipelines/event_log.py) before any code location.
IMPORTABLE = $(PY) -c "import pathlib, site; pathlib.Path(site.getsitepackages()[0], 'lastmile.pth').write_text('$(CURDIR)\n')"

# dagster.yaml in $(DAGSTER_HOME): pipelines/dagster.yaml, plus PostgreSQL storage when
# LASTMILE_DAGSTER_PG_URL is set (else the SQLite event log of pipelines/event_log.py)
setup: .venv/.synced .venv-superset/.synced
	@$(IMPORTABLE)
	@$(PY) -m pipelines.instance write $(DAGSTER_HOME)

# Debian packages the tests need (CI installs them through .ci/run): chromium and CJK fonts for
# the browser tests, PostgreSQL (initdb, pg_ctl, postgres in /usr/lib/postgresql/<ver>/bin) for
# tests/pipelines/test_postgres.py.
system-deps:
	@missing=""; \
	if [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium"; fi; \
	if ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then missing="$$missing fonts-noto-cjk"; fi; \
	if ! { command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 && \
		! ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		missing="$$missing postgresql"; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# --- Apache Spark (LASTMILE_ENGINE=spark, docs/scale-out.md) ------------------------------------
# Java 17 from Debian, only for the Spark targets and tests.
spark-system-deps:
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing: openjdk-17-jre-headless"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	fi

# pyspark (the whole engine and its Thrift Server, ~480 MB) and dbt-spark: the `spark` extra of
# pyproject.toml
.venv/.synced-spark: .venv/.synced pyproject.toml uv.lock
	$(UV) sync --frozen --extra spark
	@$(IMPORTABLE)
	@touch $@

spark-setup: spark-system-deps setup .venv/.synced-spark

SPARK_HOST ?= 127.0.0.1
SPARK_PORT ?= $(or $(LASTMILE_SPARK_PORT),10000)
SPARK_DIR := $(LASTMILE_HOME)/spark
SPARK_PID := $(SPARK_DIR)/thriftserver.pid

# A Spark Thrift Server from the pyspark wheel on $(SPARK_HOST):$(SPARK_PORT) (local[2]; catalog,
# warehouse and logs under $(SPARK_DIR)): dbt's `spark` target with LASTMILE_SPARK_METHOD=thrift,
# Superset's hive://. Stopped by its PID (make spark-down); Derby lets one JVM hold the catalog.
spark-up: spark-setup
	@if [ -f $(SPARK_PID) ] && kill -0 $$(cat $(SPARK_PID)) 2>/dev/null; then \
		echo "Spark Thrift Server already running (PID $$(cat $(SPARK_PID)))"; exit 0; fi; \
	conf=$$($(PY) -m pipelines.spark_local conf) || exit 1; mkdir -p $(SPARK_DIR)/logs; \
	( cd $(SPARK_DIR) && echo $$BASHPID > $(SPARK_PID) && \
		SPARK_CONF_DIR=$$conf SPARK_HOME=$(CURDIR)/.venv/lib/python3.11/site-packages/pyspark \
		exec nohup $(CURDIR)/.venv/lib/python3.11/site-packages/pyspark/bin/spark-submit \
		--class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 --name lastmile-thrift \
		spark-internal --hiveconf hive.server2.thrift.bind.host=$(SPARK_HOST) \
		--hiveconf hive.server2.thrift.port=$(SPARK_PORT) \
		> $(SPARK_DIR)/logs/thriftserver.log 2>&1 < /dev/null ) & \
	sleep 1; \
	for i in $$(seq 1 120); do \
		if (echo > /dev/tcp/$(SPARK_HOST)/$(SPARK_PORT)) 2>/dev/null; then \
			echo "Spark Thrift Server on $(SPARK_HOST):$(SPARK_PORT) (PID $$(cat $(SPARK_PID)), up in $$i s;" \
				"log $(SPARK_DIR)/logs/thriftserver.log)"; exit 0; fi; \
		if ! kill -0 $$(cat $(SPARK_PID)) 2>/dev/null; then \
			echo "Spark Thrift Server exited: see $(SPARK_DIR)/logs/thriftserver.log"; \
			rm -f $(SPARK_PID); exit 1; fi; \
		sleep 1; \
	done; echo "Spark Thrift Server not listening after 120 s: see $(SPARK_DIR)/logs/thriftserver.log"; exit 1

spark-down:
	@if [ -f $(SPARK_PID) ] && kill -0 $$(cat $(SPARK_PID)) 2>/dev/null; then \
		pid=$$(cat $(SPARK_PID)); kill $$pid; \
		for i in $$(seq 1 30); do kill -0 $$pid 2>/dev/null || break; sleep 1; done; \
		if kill -0 $$pid 2>/dev/null; then kill -9 $$pid; fi; \
		echo "Spark Thrift Server stopped (PID $$pid)"; \
	else echo "no Spark Thrift Server running"; fi; rm -f $(SPARK_PID)

# --- the main job -----------------------------------------------------------------------------
parse: setup
	cd dbt_project && ../.venv/bin/dbt parse --profiles-dir . --quiet

generate: setup
	@if [ -f $(LASTMILE_HOME)/landing/_manifest.json ]; then \
		echo "landing/ already holds a sample company: reusing it (make clean to start over)"; \
	else \
		$(PY) -m pipelines.sample --seed $(SEED) --scale $(SCALE) --start $(SAMPLE_START) \
			--end $(SAMPLE_END) --out $(LASTMILE_HOME)/landing; \
	fi

# LASTMILE_ENGINE=spark make demo: the same job with dbt on Spark (docs/scale-out.md), so the spark
# extra (pyspark, dbt-spark) and Java 17 first
pipeline: parse $(if $(filter spark,$(LASTMILE_ENGINE)),spark-system-deps .venv/.synced-spark)
	$(PY) -m pipelines.run

superset: setup
	$(SUPERSET_PY) dashboards/bootstrap.py

demo: generate pipeline superset
	@$(PY) -m pipelines.run --summary
	@echo ""
	@echo "Dashboards: make serve, then open http://127.0.0.1:$(SUPERSET_PORT)/ (Superset) and"
	@echo "            http://127.0.0.1:$(DAGSTER_PORT)/ (Dagster)"
	@$(SUPERSET_PY) dashboards/bootstrap.py --credentials

serve: superset
	$(PY) -m pipelines.serve --superset-port $(SUPERSET_PORT) --dagster-port $(DAGSTER_PORT)

# --- quality ----------------------------------------------------------------------------------
# The suite runs on TEST_WORKERS parallel pytest workers (pytest-xdist; much of it waits on
# servers, daemons and subprocesses); the tests sharing a Superset server, the hand-made company or
# the two engines' runs stay on one worker (tests/conftest.py WORKER_GROUPS). TEST_WORKERS=0 runs
# it in one process.
TEST_WORKERS ?= 2
PYTEST = LASTMILE_DBT_TARGET=ci .venv/bin/pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)

test: system-deps spark-setup
	$(PYTEST)

# The quick loop while changing code (no Superset, no browser, no whole-pipeline reruns).
test-fast: setup
	$(PYTEST) -m "not slow and not superset and not browser and not spark"

# The README's pictures of every board (docs/screenshots/<slug>.png), as each role sees them on
# the test sample: the browser test per role draws them (real pipeline, Superset and Chromium).
screenshots: system-deps setup
	LASTMILE_DBT_TARGET=ci LASTMILE_README_SCREENSHOTS=docs/screenshots .venv/bin/pytest \
		tests/dashboards/test_browser.py -k each_role_sees_every_chart

# SQLFluff lints what dbt compiles (dbt templater, ci target): on a scratch DuckDB file, so a
# running build's lock is never in the way, with a lint-only key (no identifier is hashed).
SQLFLUFF_ENV = LASTMILE_DBT_TARGET=ci LASTMILE_BUILD_DB=$(LASTMILE_HOME)/lint/scratch.duckdb \
	LASTMILE_PII_KEY=lint-only-not-a-secret

lint: setup
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	@mkdir -p $(LASTMILE_HOME)/lint
	cd dbt_project && $(SQLFLUFF_ENV) ../.venv/bin/sqlfluff lint models $$(ls -d tests 2>/dev/null)

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
	@mkdir -p $(LASTMILE_HOME)/lint
	cd dbt_project && $(SQLFLUFF_ENV) ../.venv/bin/sqlfluff fix models $$(ls -d tests 2>/dev/null)

# The dbt docs site as one self-contained page for analysts (needs a built warehouse: make demo).
# Compiled with a placeholder PII key, so the page never shows the real one.
docs: parse
	cd dbt_project && LASTMILE_PII_KEY=$${LASTMILE_PII_KEY:-unused-by-docs} ../.venv/bin/dbt docs generate \
		--static --profiles-dir . --quiet --target-path $(LASTMILE_HOME)/docs/target
	cp $(LASTMILE_HOME)/docs/target/static_index.html $(LASTMILE_HOME)/docs/index.html
	@echo "dbt docs: $(LASTMILE_HOME)/docs/index.html (one file, works offline)"

# Scale 1, scale 10 and 10M sales logs through the pipeline (full, daily incremental), Superset
# chart-data latency and board draw times: prints and writes docs/benchmarks.md + .json. Hours on
# two cores; each dataset in its own home under $(LASTMILE_HOME)/bench. Options: BENCH_ARGS=...
bench: spark-setup
	$(PY) -m tooling.bench $(BENCH_ARGS)

contract-doc: setup
	$(PY) -m pipelines.ingest.contract_doc > docs/landing-contract.md

clean:
	rm -rf $(LASTMILE_HOME) dbt_project/target dbt_project/logs
