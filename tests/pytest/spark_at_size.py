"""Build customer_tiers on Spark at a size where 32-bit arithmetic overflows, in its own process.

Run by test_spark_at_size.py as a subprocess, so its Spark session, warehouse and Derby metastore never meet
the session of another Spark test module in the pytest process. Writes customer_tiers as parquet and a JSON
file of figures (build seconds, and what an overflowing 32-bit sum gives through dbt's Spark connection).

    python tests/pytest/spark_at_size.py --root DIR --profiles-dir DIR --customers N --orders N --seed N
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCHEMA = "segmentation"
# Every model customer_tiers needs, and its seeds; the data tests of the full parity run are not repeated.
BUILD_ARGS = ["build", "--select", "+customer_tiers", "--resource-type", "model", "--resource-type", "seed"]
MONTHS = 14


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="Folder for the warehouse and outputs.")
    parser.add_argument("--profiles-dir", type=Path, required=True, help="Folder holding profiles.yml.")
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)

    os.environ.update(
        {
            "SEGMENTATION_SPARK_WAREHOUSE": str(args.root / "warehouse"),
            "SEGMENTATION_SPARK_METASTORE": str(args.root / "metastore_db"),
            "SEGMENTATION_SPARK_SCHEMA": SCHEMA,
            "SEGMENTATION_SPARK_SHUFFLE_PARTITIONS": "2",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    from segmentation.dbt_runner import run_dbt
    from segmentation.generator import generate_raw_data
    from segmentation.spark_loader import spark_session, write_spark

    started = time.monotonic()
    raw = generate_raw_data(
        customers=args.customers, orders=args.orders, months=MONTHS, seed=args.seed, events=False
    )
    spark = spark_session()
    write_spark(raw, spark=spark)
    loaded = time.monotonic()
    extra = ["--target", "spark", "--target-path", str(args.root / "target")]
    extra += ["--log-path", str(args.root / "logs")]
    result = run_dbt(
        [*BUILD_ARGS, *extra], project_dir=PROJECT_DIR, profiles_dir=args.profiles_dir, check=False
    )
    built = time.monotonic()
    # An int sum past 2^31 - 1 through dbt's own Spark connection: ANSI mode fails it, legacy mode wraps it.
    probe = run_dbt(
        ["show", "--inline", "select cast(2147483647 as int) + cast(1 as int) as wrapped", *extra],
        project_dir=PROJECT_DIR,
        profiles_dir=args.profiles_dir,
        check=False,
    )
    figures = {
        "build_success": bool(result.success),
        "build_errors": [
            str(node.message) for node in (result.result.results if result.result else []) if node.message
        ][:5]
        if not result.success
        else [],
        "load_seconds": round(loaded - started, 1),
        "build_seconds": round(built - loaded, 1),
        "int_overflow_fails": not probe.success,
    }
    if result.success:
        table = spark.sql(f"select * from {SCHEMA}.customer_tiers").toArrow()
        pq.write_table(table, args.root / "customer_tiers.parquet")
    (args.root / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
