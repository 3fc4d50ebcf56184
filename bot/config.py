"""Settings from environment variables, with embedded defaults so the project runs with none set.

A `.env` file in the working directory is read first (KEY=VALUE lines); real environment
variables win over it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_dotenv(path: Path) -> None:
    """Put KEY=VALUE lines from `path` into os.environ unless already set."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip().strip('"').strip("'")
        os.environ.setdefault(key, value)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_float(name: str, default: float) -> float:
    try:
        return float(_env(name, str(default)))
    except ValueError:
        return default


def _env_int(name: str, default: int) -> int:
    try:
        return int(_env(name, str(default)))
    except ValueError:
        return default


def _rasa_token(var_dir: Path) -> str:
    """The Rasa HTTP API token: RASA_TOKEN, or one made once and kept in var/ (never committed)."""
    configured = os.environ.get("RASA_TOKEN", "").strip()
    if configured:
        return configured
    token_file = var_dir / "rasa_token"
    if token_file.is_file():
        token = token_file.read_text().strip()
        if token:
            return token
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    token_file.write_text(token)
    token_file.chmod(0o600)
    return token


@dataclass(frozen=True)
class Settings:
    """Where things live and how the parts reach each other."""

    root: Path = ROOT
    var_dir: Path = field(default_factory=lambda: Path(_env("VAR_DIR", str(ROOT / "var"))))
    models_dir: Path = field(default_factory=lambda: Path(_env("MODELS_DIR", str(ROOT / "models"))))
    host: str = field(default_factory=lambda: _env("GATEWAY_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("GATEWAY_PORT", 8000))
    rasa_port: int = field(default_factory=lambda: _env_int("RASA_PORT", 5005))
    action_port: int = field(default_factory=lambda: _env_int("ACTION_PORT", 5055))
    rasa_timeout: float = field(default_factory=lambda: _env_float("RASA_TIMEOUT", 10.0))
    reminder_poll_seconds: float = field(
        default_factory=lambda: _env_float("REMINDER_POLL_SECONDS", 5.0)
    )
    db_path_override: str = field(default_factory=lambda: _env("DB_PATH", ""))
    rasa_url_override: str = field(default_factory=lambda: _env("RASA_URL", ""))
    action_url_override: str = field(default_factory=lambda: _env("ACTION_SERVER_URL", ""))
    # Channels (the README (Channels)). A channel without its credentials is off.
    oncall_sms_number: str = field(default_factory=lambda: _env("ONCALL_SMS_NUMBER", ""))
    oncall_telegram_chat_id: str = field(
        default_factory=lambda: _env("ONCALL_TELEGRAM_CHAT_ID", "")
    )
    public_url: str = field(default_factory=lambda: _env("PUBLIC_URL", "").rstrip("/"))
    twilio_account_sid: str = field(default_factory=lambda: _env("TWILIO_ACCOUNT_SID", ""))
    twilio_auth_token: str = field(
        default_factory=lambda: _env("TWILIO_AUTH_TOKEN", ""), repr=False
    )
    twilio_from_number: str = field(default_factory=lambda: _env("TWILIO_FROM_NUMBER", ""))
    twilio_messaging_service_sid: str = field(
        default_factory=lambda: _env("TWILIO_MESSAGING_SERVICE_SID", "")
    )
    twilio_api_url: str = field(
        default_factory=lambda: _env("TWILIO_API_URL", "https://api.twilio.com").rstrip("/")
    )
    telegram_bot_token: str = field(
        default_factory=lambda: _env("TELEGRAM_BOT_TOKEN", ""), repr=False
    )
    telegram_webhook_secret: str = field(
        default_factory=lambda: _env("TELEGRAM_WEBHOOK_SECRET", ""), repr=False
    )
    telegram_api_url: str = field(
        default_factory=lambda: _env("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
    )
    # Outbound retries (bot/outbound.py): backoff from base to max seconds, give up after.
    outbound_retry_base_seconds: float = field(
        default_factory=lambda: _env_float("OUTBOUND_RETRY_BASE_SECONDS", 2.0)
    )
    outbound_retry_max_seconds: float = field(
        default_factory=lambda: _env_float("OUTBOUND_RETRY_MAX_SECONDS", 300.0)
    )
    outbound_give_up_hours: float = field(
        default_factory=lambda: _env_float("OUTBOUND_GIVE_UP_HOURS", 6.0)
    )
    outbound_poll_seconds: float = field(
        default_factory=lambda: _env_float("OUTBOUND_POLL_SECONDS", 2.0)
    )

    @property
    def db_path(self) -> Path:
        return Path(self.db_path_override) if self.db_path_override else self.var_dir / "gateway.db"

    @property
    def tracker_db_path(self) -> Path:
        return self.var_dir / "rasa_tracker.db"

    @property
    def rasa_url(self) -> str:
        return self.rasa_url_override or f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server (its webhook is at /webhook)."""
        return self.action_url_override or f"http://127.0.0.1:{self.action_port}"

    @property
    def gateway_url(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def rasa_token(self) -> str:
        return _rasa_token(self.var_dir)


def get_settings() -> Settings:
    load_dotenv(Path.cwd() / ".env")
    return Settings()
