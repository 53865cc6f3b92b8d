# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export SEGMENTATION_DUCKDB_PATH ?= $(CURDIR)/segmentation.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

# PostgreSQL: connection from PG* (defaults 127.0.0.1:5432, user postgres, database postgres); raw tables land
# in schema raw, the marts in $$SEGMENTATION_PG_SCHEMA (default segmentation).
.PHONY: demo demo-postgres demo-spark test install install-dev lint build summary plots report docs-img bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[dev,postgres,spark]"
	touch $@

install: $(VENV)/.installed

profiles.yml: profiles.yml.example
	cp -n profiles.yml.example profiles.yml || true

demo: install profiles.yml
	$(BIN)/segmentation demo --customers 5000 --orders 100000 --months 36 --seed 42

demo-postgres: install profiles.yml
	$(BIN)/segmentation demo --target postgres --customers 5000 --orders 100000 --months 36 --seed 42

# Spark in local mode inside this process (Java 17); warehouse and Derby metastore in spark-warehouse/ and
# metastore_db/ here, where `segmentation build|summary --target spark` find them again.
demo-spark: install profiles.yml
	$(BIN)/segmentation demo --target spark --customers 5000 --orders 100000 --months 36 --seed 42

build: install profiles.yml
	$(BIN)/segmentation build

summary: install
	$(BIN)/segmentation summary

plots: install
	$(BIN)/segmentation plots

# One self-contained HTML file of the marts `make demo` built (open it in any browser).
report: install
	$(BIN)/segmentation report --out report.html

# The README's pictures, from a real run: every plot, and the report as headless Chromium renders it.
docs-img: install
	$(BIN)/segmentation plots --out-dir docs/img
	$(BIN)/segmentation report --out report.html --screenshot docs/img/report.png

# The benchmark: 2,000,000 orders by default (BENCH_ARGS="--orders 10000000" for more), the
# growth series at 12, 36 and 72 months, figures in target/bench/benchmarks.json and docs/benchmarks.md.
BENCH_ARGS ?=
bench: install
	$(BIN)/segmentation bench --months-series 12,36,72 --repeat 2 --out-md docs/benchmarks.md $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests

test: install profiles.yml
	$(BIN)/ruff check scripts tests
	$(BIN)/pytest -q

clean:
	rm -rf target logs dbt_packages segmentation.duckdb report.html spark-warehouse metastore_db derby.log
