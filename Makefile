# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export SEGMENTATION_DUCKDB_PATH ?= $(CURDIR)/segmentation.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

# PostgreSQL: connection from PG* (defaults 127.0.0.1:5432, user postgres, database postgres); raw tables land
# in schema raw, the marts in $$SEGMENTATION_PG_SCHEMA (default segmentation).
.PHONY: demo demo-postgres demo-spark demo-spark-server test test-dbt111 install lint lint-fix build summary plots \
	report docs-img bench score clean

# Every install resolves from the package index alone through constraints.txt (why: see that file).
PIP_INSTALL = $(BIN)/pip install --quiet -c constraints.txt

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# One stamp per set of extras: `make demo` installs the base (DuckDB, the generator, the plots) and nothing
# else; the other engines, the browser check and the test tools come with the targets that use them.
$(VENV)/.installed-base: pyproject.toml constraints.txt | $(BIN)/activate
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-%: pyproject.toml constraints.txt | $(BIN)/activate
	$(PIP_INSTALL) -e ".[$(subst +,$(comma),$*)]"
	touch $@

comma := ,
BASE := $(VENV)/.installed-base
FULL := $(VENV)/.installed-dev+postgres+spark+browser+clv

# Everything `make test` needs.
install: $(FULL)

profiles.yml: profiles.yml.example
	cp -n profiles.yml.example profiles.yml || true

# The demo's pictures go to target/demo/img (git-ignored); `make docs-img` refreshes the README's on purpose.
DEMO_ARGS := --customers 5000 --orders 100000 --months 36 --seed 42 --out-dir target/demo/img

# The demo also fits the prediction models (the clv extra, pymc-marketing) and shows their back-test.
demo: $(VENV)/.installed-clv profiles.yml
	$(BIN)/segmentation demo $(DEMO_ARGS)

demo-postgres: $(VENV)/.installed-postgres profiles.yml
	$(BIN)/segmentation demo --target postgres $(DEMO_ARGS)

# Spark in local mode inside this process (Java 17); warehouse and Derby metastore in spark-warehouse/ and
# metastore_db/ here, where `segmentation build|summary --target spark` find them again.
demo-spark: $(VENV)/.installed-spark profiles.yml
	$(BIN)/segmentation demo --target spark $(DEMO_ARGS)

# Spark as a server: a standalone master, one worker and a Thrift server on 127.0.0.1, started from the
# pyspark installation (state in target/spark-server/), the raw tables loaded as parquet, dbt connecting
# through the profile's `thrift` output.
# Every process is stopped by its pid at the end, whether the demo passed or not.
demo-spark-server: $(VENV)/.installed-spark profiles.yml
	$(BIN)/python -m segmentation.spark_server demo --state-dir target/spark-server $(DEMO_ARGS)

build: $(BASE) profiles.yml
	$(BIN)/segmentation build

summary: $(BASE)
	$(BIN)/segmentation summary

plots: $(BASE)
	$(BIN)/segmentation plots

# One self-contained HTML file of the marts `make demo` built (open it in any browser).
report: $(BASE)
	$(BIN)/segmentation report --out report.html

# The README's pictures, from a real run: every plot, and the report as headless Chromium renders it.
docs-img: $(VENV)/.installed-browser
	$(BIN)/segmentation plots --out-dir docs/img
	$(BIN)/segmentation report --out report.html --screenshot docs/img/report.png

# The benchmark: the path from the staged orders to the history at 2,000,000 orders by default
# (BENCH_ARGS="--orders 10000000" for more), on both data shapes (customers signing up at a rising rate, and
# every customer signed up early and kept in every later snapshot), the growth series at 12, 36 and 72
# months, figures in target/bench/benchmarks.json and docs/benchmarks.md.
BENCH_ARGS ?=
bench: $(BASE)
	$(BIN)/segmentation bench --shape rising-signups --shape every-customer-stays --months-series 12,36,72 \
		--repeat 2 --out-md docs/benchmarks.md $(BENCH_ARGS)

# dbt-score on the parsed manifest; fails under the project score in pyproject.toml [tool.dbt-score].
$(VENV)/.installed-score: | $(BASE)
	$(PIP_INSTALL) "dbt-score>=0.19,<1"
	touch $@

score: $(BASE) $(VENV)/.installed-score profiles.yml
	$(BIN)/dbt parse --quiet
	$(BIN)/dbt-score lint --manifest target/manifest.json


# Python with ruff, SQL with sqlfluff. sqlfluff's dbt templater (.sqlfluff) compiles every model, and several
# macros query the seeds and the intermediate models while compiling, so it compiles against a small built
# warehouse of its own (target/sqlfluff/lint.duckdb: 60 generated customers, the seeds, every SQL model),
# rebuilt only when a model, macro, seed or the project file changes; the demo's warehouse is never opened.
# macros/ and tests/dbt/generic/ hold only macros, which the dbt templater cannot render on their own.
SQLFLUFF_PATHS := models analyses tests/dbt/singular
LINT_DB := target/sqlfluff/lint.duckdb
LINT_ENV := DBT_TARGET_PATH=$(CURDIR)/target/sqlfluff/dbt DBT_LOG_PATH=$(CURDIR)/target/sqlfluff/logs
SQLFLUFF := $(LINT_ENV) SEGMENTATION_DUCKDB_PATH=$(CURDIR)/$(LINT_DB) $(BIN)/sqlfluff

# Built under a temporary name and renamed at the end, so a failed build is never taken for a finished one.
$(LINT_DB): $(shell find models macros seeds -type f 2>/dev/null) dbt_project.yml | $(FULL) profiles.yml
	rm -f $@ $@.tmp && mkdir -p $(@D)
	SEGMENTATION_DUCKDB_PATH=$(CURDIR)/$@.tmp $(BIN)/segmentation generate --customers 60 --orders 1500 \
		--months 14 > $(@D)/generate.log
	$(LINT_ENV) SEGMENTATION_DUCKDB_PATH=$(CURDIR)/$@.tmp $(BIN)/dbt --quiet seed
	$(LINT_ENV) SEGMENTATION_DUCKDB_PATH=$(CURDIR)/$@.tmp $(BIN)/dbt --quiet run --exclude "path:models/publish"
	mv $@.tmp $@

lint: install $(LINT_DB)
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(SQLFLUFF) lint $(SQLFLUFF_PATHS)

# Fixes in place what sqlfluff can fix by itself (layout, capitalisation, join order); review the diff.
# SQLFLUFF_PATHS="models/marts" narrows it.
lint-fix: install $(LINT_DB)
	$(SQLFLUFF) fix $(SQLFLUFF_PATHS)

# Two workers, one per core: each takes whole test modules (their fixtures build warehouses once), and
# tests/pytest/conftest.py hands out the slowest engine modules first so they overlap.
test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=25

# dbt-core 1.11 still works: its own venv (no constraints file: 1.11 needs no parser package) and the version
# tests, whose build runs every model, seed, snapshot, data and unit test on 1.11 and checks it emits no
# deprecation event; the pipeline's results are checked on 1.12 by `make test`. CI runs it beside `make
# test`. The venv holds the base install and the two test runners only, which is all the version tests
# import; the dev extra would add sqlfluff's dbt templater and pyarrow and triple the install time.
VENV111 := .venv-dbt111
DBT111_TESTS ?= tests/pytest/test_dbt_versions.py
test-dbt111: profiles.yml
	test -x $(VENV111)/bin/python || $(PYTHON) -m venv $(VENV111) || python3 -m venv $(VENV111)
	$(VENV111)/bin/pip install --quiet -e . "dbt-core>=1.11,<1.12" "pytest>=8" "pytest-xdist>=3.5"
	$(VENV111)/bin/dbt --version | grep -q "installed: 1.11"
	mkdir -p target/dbt111
	$(VENV111)/bin/pytest -q -n 2 --dist loadfile -p no:cacheprovider --basetemp=target/dbt111/pytest \
		$(DBT111_TESTS)

clean:
	rm -rf target logs dbt_packages segmentation.duckdb report.html spark-warehouse metastore_db derby.log
