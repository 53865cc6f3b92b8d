"""ANSI mode on Spark for every dbt-spark connection this package makes (no pyarrow or pyspark needed)."""

from __future__ import annotations

ANSI_MODE = "spark.sql.ansi.enabled"


def keep_profile_ansi_mode() -> None:
    """Let the profile's ``spark.sql.ansi.enabled`` stand in dbt-spark connections made in this process.

    dbt-spark (1.9+) overwrites that server-side parameter with false after reading the profile, and its
    session cursor re-applies every parameter before each statement, so neither the profile nor a ``set``
    pre-hook can turn ANSI mode on. In ANSI mode an integer overflow or an invalid cast fails the model;
    without it Spark silently wraps or nulls the value. Without dbt-spark this does nothing.
    """
    try:
        from dbt.adapters.spark.connections import SparkCredentials
    except ImportError:
        return
    original = SparkCredentials.__post_init__
    if getattr(original, "keeps_profile_ansi_mode", False):
        return

    def __post_init__(self: SparkCredentials) -> None:
        requested = {str(k): str(v) for k, v in self.server_side_parameters.items()}.get(ANSI_MODE)
        original(self)
        if requested is not None:
            self.server_side_parameters[ANSI_MODE] = requested

    __post_init__.keeps_profile_ansi_mode = True  # type: ignore[attr-defined]
    SparkCredentials.__post_init__ = __post_init__  # type: ignore[method-assign]
