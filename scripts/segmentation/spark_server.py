"""Spark as a server: a local standalone master, one worker and a Spark Thrift server on 127.0.0.1.

Everything runs from the pyspark installation (``spark-class``, ``spark-submit`` and the jars it ships, among
them ``spark-hive-thriftserver``), so no Spark download is needed, only Java 17. dbt reaches the Thrift
server through the ``thrift`` output of profiles.yml.example (dbt-spark with PyHive), exactly as it would
reach a cluster's. Each process starts in its own process group; :meth:`SparkServer.stop` ends those groups
by the ids it recorded (the worker's executors are in the worker's group), and the pids also go to a file so
``python -m segmentation.spark_server stop`` can end a server another process started.

The Thrift server keeps its Derby metastore and its warehouse in its own folder under the state folder, so it
never shares a metastore with a ``method: session`` run in the working folder.

Raw tables reach the server as parquet files it reads (the landing folder must be visible to the cluster:
here, the same machine); the marts come back through PyHive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pandas as pd

from segmentation.generator import RawData
from segmentation.loaders import TABLES
from segmentation.readers import DEFAULT_SPARK_SCHEMA, Filters, select_sql
from segmentation.summary import _not_built

HOST = "127.0.0.1"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
PIDS_FILE = "pids.json"
# The settings the Thrift server runs with: the same semantics as the in-process `spark` target.
SERVER_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.executor.memory": "1g",
}


class SparkServerError(RuntimeError):
    """A process did not start, or the Thrift server did not answer in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (several engineers share this machine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


def spark_home() -> Path:
    """The pyspark installation: its bin/ holds spark-class and spark-submit, its jars/ the Thrift server."""
    try:
        import pyspark
    except ImportError as error:
        raise SparkServerError("Spark as a server needs pyspark: pip install -e '.[spark]'") from error
    return Path(pyspark.__file__).resolve().parent


def java_missing() -> str | None:
    """Why no JVM can start, or None."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java 17 is not installed (Spark needs a JVM)"
    return None


@dataclass
class SparkServer:
    """A standalone master, one worker and a Thrift server; logs, metastore and warehouse in ``state_dir``."""

    state_dir: Path
    thrift_port: int = 0
    master_port: int = 0
    worker_cores: int = 2
    worker_memory: str = "2g"
    start_timeout: float = 240.0
    conf: Mapping[str, str] = field(default_factory=lambda: dict(SERVER_CONF))
    pids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()
        self.thrift_port = self.thrift_port or free_port()
        self.master_port = self.master_port or free_port()

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.master_port}"

    @property
    def thrift_dir(self) -> Path:
        """The Thrift server's working folder: its Derby metastore and warehouse live here."""
        return self.state_dir / "thrift"

    @property
    def warehouse(self) -> Path:
        return self.thrift_dir / "warehouse"

    @property
    def landing(self) -> Path:
        return self.state_dir / "landing"

    def profile_env(self) -> dict[str, str]:
        """What the ``thrift`` output of profiles.yml.example reads to reach this server."""
        return {"SPARK_HOST": HOST, "SPARK_PORT": str(self.thrift_port)}

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "SPARK_HOME": str(spark_home()),
                "SPARK_LOCAL_IP": HOST,
                "SPARK_LOCAL_HOSTNAME": "localhost",
                "SPARK_LOG_DIR": str(self.state_dir / "logs"),
                "SPARK_WORKER_DIR": str(self.state_dir / "work"),
                "PYSPARK_PYTHON": sys.executable,
            }
        )
        return env

    def _spawn(self, name: str, command: list[str], cwd: Path) -> None:
        cwd.mkdir(parents=True, exist_ok=True)
        log = (self.state_dir / "logs").joinpath(f"{name}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            # spark-class ends in `exec java`, so this pid is the JVM's; its own session (and process group)
            # holds the children it forks (a worker's executors), which stop() ends with it.
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pids[name] = process.pid
        self._write_pids()

    def _write_pids(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        payload = {"pids": self.pids, "thrift_port": self.thrift_port, "master_port": self.master_port}
        (self.state_dir / PIDS_FILE).write_text(json.dumps(payload))

    def _log_tail(self, name: str, lines: int = 30) -> str:
        path = self.state_dir / "logs" / f"{name}.log"
        if not path.is_file():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait(self, name: str, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if _listening(port):
                return
            if not _alive(self.pids[name]):
                raise SparkServerError(f"Spark {name} exited while starting:\n{self._log_tail(name)}")
            time.sleep(1)
        raise SparkServerError(
            f"Spark {name} did not listen on {HOST}:{port} in time:\n{self._log_tail(name)}"
        )

    def start(self) -> SparkServer:
        """Start master, worker and Thrift server; return once the Thrift port answers. Stops what it
        started if any step fails."""
        missing = java_missing()
        if missing:
            raise SparkServerError(missing)
        bin_dir = spark_home() / "bin"
        deadline = time.monotonic() + self.start_timeout
        try:
            self._spawn(
                "master",
                [
                    str(bin_dir / "spark-class"),
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    HOST,
                    "--port",
                    str(self.master_port),
                    "--webui-port",
                    str(free_port()),
                ],
                self.state_dir / "master",
            )
            self._wait("master", self.master_port, deadline)
            self._spawn(
                "worker",
                [
                    str(bin_dir / "spark-class"),
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    HOST,
                    "--webui-port",
                    str(free_port()),
                    "--cores",
                    str(self.worker_cores),
                    "--memory",
                    self.worker_memory,
                    "--work-dir",
                    str(self.state_dir / "work"),
                    self.master_url,
                ],
                self.state_dir / "worker",
            )
            conf = {
                **self.conf,
                "spark.sql.warehouse.dir": str(self.warehouse),
                "spark.hadoop.javax.jdo.option.ConnectionURL": (
                    f"jdbc:derby:;databaseName={self.thrift_dir / 'metastore_db'};create=true"
                ),
                "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.thrift_dir}",
                "spark.driver.host": HOST,
                "spark.driver.bindAddress": HOST,
                "spark.cores.max": str(self.worker_cores),
            }
            command = [str(bin_dir / "spark-submit"), "--master", self.master_url, "--class", THRIFT_CLASS]
            command += ["--name", "customer_segmentation Thrift server"]
            for key, value in conf.items():
                command += ["--conf", f"{key}={value}"]
            command += ["spark-internal"]
            command += ["--hiveconf", f"hive.server2.thrift.port={self.thrift_port}"]
            command += ["--hiveconf", f"hive.server2.thrift.bind.host={HOST}"]
            self._spawn("thrift", command, self.thrift_dir)
            self._wait("thrift", self.thrift_port, deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 60.0) -> list[int]:
        """End every process group this server started, Thrift server first; returns the pids ended."""
        stopped = []
        for name in ("thrift", "worker", "master"):
            pid = self.pids.pop(name, None)
            if pid is None:
                continue
            _stop_group(pid, timeout)
            stopped.append(pid)
        self._write_pids()
        return stopped

    def __enter__(self) -> SparkServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        # Not our child (a `stop` from another process): ask the kernel whether it still exists.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return waited == 0


def _stop_group(pid: int, timeout: float) -> None:
    """SIGTERM to the process group led by ``pid`` (Spark's shutdown hooks run), SIGKILL after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _group_alive(pid):
        _alive(pid)  # reaps the leader once it exits, if it is our child
        time.sleep(0.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _alive(pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_from_file(state_dir: Path, timeout: float = 60.0) -> list[int]:
    """Stop the processes whose pids a SparkServer wrote to ``state_dir``."""
    path = Path(state_dir) / PIDS_FILE
    if not path.is_file():
        return []
    pids = json.loads(path.read_text())["pids"]
    server = SparkServer(Path(state_dir), thrift_port=1, master_port=1, pids=dict(pids))
    return server.stop(timeout)


# ---- talking to the Thrift server -------------------------------------------------------------------------


def connect(port: int, host: str = HOST, user: str = "segmentation") -> Any:
    """A PyHive connection to a Thrift server (the client dbt-spark's thrift method uses)."""
    from pyhive import hive

    return hive.connect(host=host, port=port, username=user)


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def write_thrift(
    raw: RawData, connection: Any, landing: Path, schema: str = "raw", text_tables: Sequence[str] = ()
) -> None:
    """Replace each raw table on the server with a parquet table, from parquet files in ``landing`` (a folder
    the server's executors can read). Tables in ``text_tables`` keep every column as text, like a CSV loader
    lands them; the others get the contract types. An optional table ``raw`` lacks is dropped."""
    import pyarrow.parquet as pq

    from segmentation.spark_loader import _arrow_table, _select_list

    landing = Path(landing).resolve()
    landing.mkdir(parents=True, exist_ok=True)
    cursor = connection.cursor()
    try:
        cursor.execute(f"create database if not exists {_quote(schema)}")
        for table in TABLES:
            frame = getattr(raw, table)
            target = f"{_quote(schema)}.{_quote(table)}"
            cursor.execute(f"drop table if exists {target}")
            if frame is None:
                continue
            path = landing / f"{table}.parquet"
            pq.write_table(_arrow_table(frame, table), path)
            casts = _select_list(table, as_text=table in text_tables)
            cursor.execute(
                f"create table {target} using parquet as select {casts} from parquet.`file://{path}`"
            )
    finally:
        cursor.close()


def append_thrift(
    connection: Any, table: str, rows: pd.DataFrame, landing: Path, schema: str = "raw", as_text: bool = False
) -> int:
    """Append rows to raw table ``schema.table`` on the server through a parquet file in ``landing``."""
    import pyarrow.parquet as pq

    from segmentation.spark_loader import _arrow_table, _select_list

    landing = Path(landing).resolve()
    landing.mkdir(parents=True, exist_ok=True)
    path = landing / f"{table}_append_{time.time_ns()}.parquet"
    pq.write_table(_arrow_table(rows, table), path)
    cursor = connection.cursor()
    try:
        cursor.execute(
            f"insert into {_quote(schema)}.{_quote(table)} select {_select_list(table, as_text)}"
            f" from parquet.`file://{path}`"
        )
    finally:
        cursor.close()
    return len(rows)


def _spark_types(cursor: Any, relation: str) -> dict[str, str]:
    cursor.execute(f"describe {relation}")
    types = {}
    for name, data_type, *_ in cursor.fetchall():
        if not name or name.startswith("#"):
            break
        types[name] = data_type.lower()
    return types


def _arrow_type(spark_type: str) -> Any:
    import pyarrow as pa

    if spark_type.startswith("decimal"):
        precision, scale = (int(v) for v in spark_type[spark_type.index("(") + 1 : -1].split(","))
        return pa.decimal128(precision, scale)
    return {
        "bigint": pa.int64(),
        "int": pa.int32(),
        "smallint": pa.int16(),
        "tinyint": pa.int8(),
        "double": pa.float64(),
        "float": pa.float32(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "timestamp_ntz": pa.timestamp("us"),
        "string": pa.string(),
    }.get(spark_type.split("(")[0], pa.string())


def _arrow_value(value: Any, spark_type: str) -> Any:
    # PyHive hands back dates as text and decimals as Decimal; arrow wants a date and an exact scale.
    if value is None:
        return None
    if spark_type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if spark_type.startswith("decimal") and not isinstance(value, Decimal):
        return Decimal(str(value))
    return value


def fetch_arrow(connection: Any, sql: str, types: Mapping[str, str] | None = None) -> Any:
    """The result of ``sql`` as a pyarrow table, typed from ``types`` (Spark type names by column) or from
    the result's column types (exact decimal scales need ``types``)."""
    import pyarrow as pa

    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        names = [d[0].split(".")[-1] for d in cursor.description]
        codes = [str(d[1]).removesuffix("_TYPE").lower() for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    columns = {}
    for index, (name, code) in enumerate(zip(names, codes, strict=True)):
        spark_type = (types or {}).get(name, code)
        values = [_arrow_value(row[index], spark_type) for row in rows]
        columns[name] = pa.array(values, type=_arrow_type(spark_type))
    return pa.table(columns)


def fetch_table(connection: Any, relation: str) -> Any:
    """Every row of ``relation`` as a pyarrow table with the table's own column types."""
    cursor = connection.cursor()
    try:
        types = _spark_types(cursor, relation)
    finally:
        cursor.close()
    return fetch_arrow(connection, f"select * from {relation}", types)


class ThriftReader:
    """Marts in database ``schema`` behind a Spark Thrift server (a MartReader for the summary and plots)."""

    def __init__(self, port: int, schema: str = DEFAULT_SPARK_SCHEMA, host: str = HOST):
        self.schema = schema
        self.host = host
        self.port = port
        self._connection: Any = None

    def describe(self) -> str:
        return f"Spark Thrift server {self.host}:{self.port} (database {self.schema})"

    def _connect(self) -> Any:
        if self._connection is None:
            self._connection = connect(self.port, self.host)
        return self._connection

    def has_table(self, table: str) -> bool:
        cursor = self._connect().cursor()
        try:
            cursor.execute(f"show tables in {_quote(self.schema)} like '{table}'")
            return bool(cursor.fetchall())
        finally:
            cursor.close()

    def read(self, table: str, columns: Sequence[str], where_in: Filters | None = None) -> pd.DataFrame:
        if not self.has_table(table):
            raise _not_built(f"table {self.schema}.{table} not found behind {self.describe()}")
        sql, params = select_sql(f"{_quote(self.schema)}.{_quote(table)}", columns, where_in, "%s")
        cursor = self._connect().cursor()
        try:
            cursor.execute(sql.replace('"', "`"), params or None)
            codes = {d[0].split(".")[-1]: str(d[1]) for d in cursor.description}
            frame = pd.DataFrame(cursor.fetchall(), columns=list(codes))
        finally:
            cursor.close()
        # As SparkReader returns them: money as floats, dates as dates.
        for name, code in codes.items():
            if code == "DECIMAL_TYPE":
                frame[name] = frame[name].astype("float64")
            elif code == "DATE_TYPE":
                frame[name] = frame[name].map(lambda v: None if v is None else dt.date.fromisoformat(v))
        return frame

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@contextlib.contextmanager
def running(state_dir: Path, **options: Any) -> Iterator[SparkServer]:
    """A started server, stopped (every pid) when the block ends, whatever happened inside."""
    server = SparkServer(Path(state_dir), **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- command line -----------------------------------------------------------------------------------------

STATE_OPTION = click.option(
    "--state-dir",
    default="target/spark-server",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Logs, pids, the Thrift server's metastore and warehouse, the landing folder.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A local Spark standalone master, one worker and a Thrift server on 127.0.0.1, from pyspark."""


@main.command()
@STATE_OPTION
@click.option("--port", default=10000, show_default=True, help="The Thrift server's port.")
def start(state_dir: Path, port: int) -> None:
    """Start the servers and leave them running (stop them with `stop`)."""
    server = SparkServer(state_dir, thrift_port=port).start()
    click.echo(f"Spark Thrift server on {HOST}:{server.thrift_port}, master {server.master_url}")
    click.echo(f"pids {server.pids} in {state_dir / PIDS_FILE}")


@main.command()
@STATE_OPTION
def stop(state_dir: Path) -> None:
    """Stop the servers `start` left running, by the pids it recorded."""
    stopped = stop_from_file(state_dir)
    click.echo(f"stopped {', '.join(map(str, stopped)) or 'nothing'}")


@main.command(context_settings={"ignore_unknown_options": True})
@STATE_OPTION
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(state_dir: Path, command: tuple[str, ...]) -> None:
    """Start the servers, run COMMAND with SPARK_HOST/SPARK_PORT pointing at the Thrift server, stop them."""
    started = time.monotonic()
    with running(state_dir) as server:
        click.echo(
            f"Spark Thrift server up on {HOST}:{server.thrift_port} in {time.monotonic() - started:.0f} s"
        )
        env = {**os.environ, **server.profile_env()}
        code = subprocess.call(list(command), env=env)
    sys.exit(code)


@main.command()
@STATE_OPTION
@click.option("--customers", default=5000, show_default=True, type=click.IntRange(min=5))
@click.option("--orders", default=100_000, show_default=True, type=click.IntRange(min=0))
@click.option("--months", default=36, show_default=True, type=click.IntRange(min=14))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option(
    "--out-dir",
    default="target/demo/img",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the PNG files.",
)
@click.option(
    "--profiles-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of profiles.yml (default: the project's, copied from profiles.yml.example when missing).",
)
def demo(
    state_dir: Path,
    customers: int,
    orders: int,
    months: int,
    seed: int,
    out_dir: Path,
    profiles_dir: Path | None,
) -> None:
    """The demo through Spark as a server: start master, worker and Thrift server, load sample data, build
    the project through the profile's `thrift` output, print the summary, write the plots, stop them all."""
    from segmentation.cli import _plots, _summary
    from segmentation.dbt_runner import ensure_profiles, find_project_dir, run_dbt
    from segmentation.generator import generate_raw_data

    project = find_project_dir()
    profiles = (profiles_dir / "profiles.yml") if profiles_dir else ensure_profiles(project)
    if "method: thrift" not in profiles.read_text():
        raise click.ClickException(
            f"{profiles} has no `thrift` output: copy it from profiles.yml.example (or add that output)"
        )
    raw = generate_raw_data(customers=customers, orders=orders, months=months, seed=seed, progress=True)
    started = time.monotonic()
    with running(state_dir) as server:
        click.echo(
            f"Spark Thrift server up on {HOST}:{server.thrift_port} in {time.monotonic() - started:.0f} s."
        )
        connection = connect(server.thrift_port)
        try:
            write_thrift(raw, connection, server.landing)
        finally:
            connection.close()
        os.environ.update(server.profile_env())
        started = time.monotonic()
        run_dbt(["build", "--target", "thrift"], project, profiles_dir)
        click.echo(f"dbt build --target thrift succeeded in {time.monotonic() - started:.0f}s.")
        reader = ThriftReader(
            server.thrift_port, os.environ.get("SEGMENTATION_SPARK_SCHEMA", DEFAULT_SPARK_SCHEMA)
        )
        try:
            _summary(reader)
            _plots(reader, out_dir)
        finally:
            reader.close()


if __name__ == "__main__":
    main()
