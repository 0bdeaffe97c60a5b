"""Run-time settings, read from the environment once and passed explicitly.

Every environment variable the pipeline, the dashboard and the command line read is a
field of `Environment`, and nowhere else calls `os.environ.get`: a deployment moves
storage, turns sign-in on or off or supplies a secret by setting variables, not by editing
code, and a malformed value fails with the variable's name. `Settings` holds the paths
and DuckDB limits every step is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from pipelines.paths import PROJECT_ROOT

USER_CONFIG_DIR = Path.home() / ".config" / "icbt-observatory"
SETTLE_ENV = "ICBT_SETTLE_SECONDS"
KEY_ENV = "ICBT_PSEUDONYM_KEY"
STEP_MEMORY_ENV = "ICBT_K8S_STEP_MEMORY"
APP_DATABASE_URL_ENV = "ICBT_APP_DATABASE_URL"
Switch = Literal["on", "off"]


def reveal(secret: SecretStr | None) -> str | None:
    """A secret's text, where it is used (a connection, a request), never earlier."""
    return None if secret is None else secret.get_secret_value()


class EnvironmentVariableError(ValueError):
    """An environment variable holds a value of the wrong kind."""


class Environment(BaseModel):
    """Every ICBT_* variable, typed; an unset or blank variable takes the default."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    data_dir: Path = Field(PROJECT_ROOT / "data", alias="ICBT_DATA_DIR")
    duckdb_memory_limit: str = Field("1500MB", alias="ICBT_DUCKDB_MEMORY_LIMIT")
    duckdb_threads: int = Field(2, ge=1, alias="ICBT_DUCKDB_THREADS")
    # Files readable by the DuckDB CLI on PyPI (duckdb-cli 1.5) as well as by 2.0.
    duckdb_storage_version: str = Field("v1.5.0", alias="ICBT_DUCKDB_STORAGE_VERSION")
    pseudonym_key_file: Path = Field(
        USER_CONFIG_DIR / "pseudonym.key", alias="ICBT_PSEUDONYM_KEY_FILE"
    )
    # The pseudonymisation key itself (hex), instead of the file; never printed.
    pseudonym_key: SecretStr | None = Field(None, alias=KEY_ENV)
    # Overrides config/ingestion.yaml's sensor.settle_seconds (0: senders always rename).
    settle_seconds: float | None = Field(None, ge=0, alias=SETTLE_ENV)
    # Build workers; 0 means one per core.
    workers: int = Field(0, ge=0, alias="ICBT_WORKERS")
    # Kubernetes step pods' memory limit (deploy/values.yaml).
    k8s_step_memory: str | None = Field(None, alias=STEP_MEMORY_ENV)
    # SQLAlchemy URL of the application database; may hold a password, so never printed.
    app_database_url: SecretStr | None = Field(None, alias=APP_DATABASE_URL_ENV)
    port: int = Field(8050, ge=1, le=65535, alias="ICBT_PORT")
    server_threads: int | None = Field(None, ge=1, alias="ICBT_SERVER_THREADS")
    trusted_proxy: str | None = Field(None, alias="ICBT_TRUSTED_PROXY")
    dashboard_auth: Switch = Field("on", alias="ICBT_DASHBOARD_AUTH")
    dashboard_users: Path = Field(
        USER_CONFIG_DIR / "dashboard_users.yaml", alias="ICBT_DASHBOARD_USERS"
    )
    dashboard_secure_cookies: Switch = Field("off", alias="ICBT_DASHBOARD_SECURE_COOKIES")
    # The dashboard's base URL, for links in review e-mails.
    dashboard_url: str = Field("", alias="ICBT_DASHBOARD_URL")
    # Safety alerts are posted here when set (otherwise appended to a JSON Lines file).
    alert_webhook_url: SecretStr | None = Field(None, alias="ICBT_ALERT_WEBHOOK_URL")
    # Review e-mails (config/safety_review.yaml has the non-secret rest): no host, no e-mail.
    smtp_host: str | None = Field(None, alias="ICBT_SMTP_HOST")
    smtp_port: int | None = Field(None, ge=1, le=65535, alias="ICBT_SMTP_PORT")
    smtp_user: str | None = Field(None, alias="ICBT_SMTP_USER")
    smtp_password: SecretStr | None = Field(None, alias="ICBT_SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="ICBT_SMTP_STARTTLS")
    alert_email_from: str = Field("", alias="ICBT_ALERT_EMAIL_FROM")
    # Comma-separated addresses.
    alert_email_to: str = Field("", alias="ICBT_ALERT_EMAIL_TO")

    @field_validator("dashboard_auth", "dashboard_secure_cookies", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def read(cls) -> Environment:
        """The current process environment (read on each call, so tests can set it)."""
        names = {field.alias for field in cls.model_fields.values()}
        given = {name: os.environ[name].strip() for name in names if name in os.environ}
        try:
            return cls.model_validate({name: value for name, value in given.items() if value})
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
            )
            raise EnvironmentVariableError(f"Environment variables: {problems}.") from None


def worker_count() -> int:
    """Processes a build may run at once: ICBT_WORKERS, or one per core."""
    return Environment.read().workers or os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    duckdb_memory_limit: str
    duckdb_threads: int
    duckdb_storage_version: str
    pseudonym_key_file: Path

    @property
    def landing_dir(self) -> Path:
        """Landing zone: one folder per program, one sub-folder per delivery batch."""
        return self.data_dir / "landing"

    @property
    def lake_dir(self) -> Path:
        """Row-level tables as Parquet, one folder per program (pipelines.lake)."""
        return self.data_dir / "lake"

    @property
    def build_database(self) -> Path:
        """The national steps' DuckDB file; one national step at a time opens it."""
        return self.data_dir / "warehouse" / "build.duckdb"

    @property
    def published_database(self) -> Path:
        """The readers' copy, replaced atomically after each successful run."""
        return self.data_dir / "warehouse" / "observatory.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def demo_dir(self) -> Path:
        """Where the demo generator writes what it planted (truth.json)."""
        return self.data_dir / "demo"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @classmethod
    def from_env(cls) -> Settings:
        environment = Environment.read()
        return cls(
            data_dir=environment.data_dir.resolve(),
            duckdb_memory_limit=environment.duckdb_memory_limit,
            duckdb_threads=environment.duckdb_threads,
            duckdb_storage_version=environment.duckdb_storage_version,
            pseudonym_key_file=environment.pseudonym_key_file,
        )
