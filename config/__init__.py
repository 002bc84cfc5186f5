"""Default configuration shipped with lapor-gateway (data only, no code)."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULTS_FILE = CONFIG_DIR / "gateway.toml"
CATEGORIES_FILE = CONFIG_DIR / "categories.toml"
