"""Secrets: nothing that looks like a committed credential is tracked by git, profiles.yml.example reads
every credential through env_var(), no real profiles.yml is committed, and telemetry is off in CI."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from conftest import PROJECT_DIR
from reliability import record_figures

# A credential-like key assigned a literal (not an env_var() call, a placeholder or an empty string).
ASSIGNED_SECRET = re.compile(
    r"""(?ix)
    (password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|token|private[_-]?key)\b
    ["']?\s*[:=]\s*
    (?!\s*["']?\s*\{\{\s*env_var)        # reads the environment
    (?!\s*["']{2})                       # empty string
    (?!\s*(none|null|true|false)\b)
    ["']?([A-Za-z0-9_\-+/=.@!$%^&*]{8,})
    """
)
KNOWN_TOKENS = {
    "private key": re.compile(r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(
        r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b"
    ),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    "Databricks token": re.compile(r"\bdapi[0-9a-f]{32}\b"),
    "credentials in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s:@'\"{}]+@"),
}
SELF = "tests/pytest/test_secrets.py"
CREDENTIAL_KEYS = {"password", "user", "host", "port", "dbname", "token", "cluster"}


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True, text=True
    ).stdout
    return [name for name in listed.split("\0") if name]


def _text(name: str) -> str | None:
    data = (PROJECT_DIR / name).read_bytes() if (PROJECT_DIR / name).is_file() else b""
    if b"\0" in data[:4096]:
        return None  # binary (images)
    return data.decode("utf-8", errors="replace")


def test_no_tracked_file_looks_like_a_secret() -> None:
    files = _tracked_files()
    assert len(files) > 50
    findings = []
    scanned = 0
    for name in files:
        # This file plants fake secrets below to show the scan catches them.
        text = None if name == SELF else _text(name)
        if text is None:
            continue
        scanned += 1
        for number, line in enumerate(text.splitlines(), start=1):
            if "secret-scan: allow" in line:
                continue
            match = ASSIGNED_SECRET.search(line)
            if match:
                findings.append(f"{name}:{number}: {match.group(1)} = {match.group(3)[:4]}...")
            findings += [
                f"{name}:{number}: {kind}" for kind, pattern in KNOWN_TOKENS.items() if pattern.search(line)
            ]
    record_figures("secrets", {"tracked_files_scanned": scanned, "findings": len(findings)})
    assert findings == []


@pytest.mark.parametrize(
    "line",
    [
        'password: "hunter2hunter2"',
        "PGPASSWORD=s3cretPassw0rd",
        "api_key = 'abcd1234efgh5678'",
        "token: dapi0123456789abcdef0123456789abcdef",
        "-----BEGIN RSA PRIVATE KEY-----",
        "AKIAABCDEFGHIJKLMNOP",
        "postgresql://segment:hunter22@db.example.com/crm",
    ],
)
def test_the_scan_catches_planted_secrets(line: str) -> None:
    # The scan above passes only because it finds nothing: show it would find these.
    assert ASSIGNED_SECRET.search(line) or any(p.search(line) for p in KNOWN_TOKENS.values())


@pytest.mark.parametrize(
    "line",
    [
        "password: \"{{ env_var('PGPASSWORD', '') }}\"",
        "password: ''",
        "    # token: \"{{ env_var('SPARK_TOKEN') }}\"",
    ],
)
def test_the_scan_passes_env_var_reads(line: str) -> None:
    assert not ASSIGNED_SECRET.search(line)


def test_no_real_profiles_yml_is_tracked() -> None:
    tracked = [
        name for name in _tracked_files() if name.split("/")[-1] in {"profiles.yml", ".env", ".pgpass"}
    ]
    assert tracked == []
    ignored = subprocess.run(["git", "check-ignore", "-q", "profiles.yml"], cwd=PROJECT_DIR)
    assert ignored.returncode == 0, "profiles.yml must be gitignored"


def _settings(node: object, path: str = "") -> list[tuple[str, object]]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in _settings(value, f"{path}.{key}")]
    return [(path, node)]


def test_profiles_example_reads_every_credential_from_the_environment() -> None:
    text = (PROJECT_DIR / "profiles.yml.example").read_text()
    profiles = yaml.safe_load(text)
    outputs = profiles["customer_segmentation"]["outputs"]
    assert {"duckdb", "postgres", "spark"} <= set(outputs)
    checked = 0
    for target, settings in outputs.items():
        for key, value in _settings(settings):
            if key.rsplit(".", 1)[-1] in CREDENTIAL_KEYS and value != "NA":
                assert isinstance(value, str) and "env_var(" in value, f"{target}{key} = {value!r}"
                checked += 1
    # The commented-out cluster target too: every credential line reads the environment.
    for line in text.splitlines():
        stripped = line.lstrip("# ").strip()
        if re.match(r"(user|password|token|host|cluster):", stripped) and stripped != "host: NA":
            assert "env_var(" in stripped, line
    assert outputs["postgres"]["password"].startswith("{{ env_var('PGPASSWORD'")
    assert checked >= 5


def test_telemetry_is_off() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    assert "export DBT_SEND_ANONYMOUS_USAGE_STATS=false" in ci
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert "export DBT_SEND_ANONYMOUS_USAGE_STATS := false" in makefile
