"""Settings from the environment. Read once at start-up by the entry points."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    # The bot's public name (without @), for the t.me link printed with an invite code; not a secret.
    telegram_bot_username: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_USERNAME",
                                              pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
