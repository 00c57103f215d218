"""Settings from the environment. Read once at start-up by the entry points."""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///data/tracker.db"
DEFAULT_WARD_FILE = "config/ward.example.toml"


class Settings(BaseSettings):
    """TRACKER_* variables. Secrets (chat tokens) are added by the channels that need them."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    config: str = Field(default=DEFAULT_WARD_FILE, description="ward file used by `tracker start`")
    org: str | None = Field(default=None, description="ward key when the database holds several")
    acting_as: str | None = Field(default=None, validation_alias="TRACKER_AS")
    now: str | None = Field(default=None, description="ISO instant to run as of, for simulations")
    backup_dir: str = Field(default="backups", description="folder of `tracker db backup` and the nightly backup")
    backup_keep: int = Field(default=7, ge=1, description="nightly backups kept")
    # The web console: where it listens ("off" for no console), the address people open when it sits behind
    # a reverse proxy (https makes its cookies Secure), and the proxies whose X-Forwarded-* headers are believed.
    web_listen: str = Field(default="127.0.0.1:8080", pattern=r"^(off|\[?[0-9A-Za-z.:-]+\]?:[0-9]{1,5})$")
    web_base_url: str = Field(default="", pattern=r"^(|https?://\S+)$")
    web_trusted_proxies: str = Field(default="", description="comma-separated addresses of reverse proxies")
    # The bot's public name (without @), for the t.me link printed with an invite code; not a secret.
    telegram_bot_username: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_USERNAME",
                                              pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def load_settings() -> Settings:
    """The settings of the environment. Raises ConfigError naming the first variable that is wrong, in one
    Vietnamese line (pydantic's own message is English and spans several)."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        # pydantic names the field, or its alias when it has one (TELEGRAM_BOT_USERNAME, TRACKER_AS).
        variable = field if field.isupper() else f"TRACKER_{field.upper()}"
        raise ConfigError(f"Biến môi trường {variable} không hợp lệ (giá trị «{error.get('input')}»); hãy sửa "
                          "theo bảng biến môi trường trong README.") from exc
