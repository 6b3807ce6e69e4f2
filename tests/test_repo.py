"""Properties of the code base as a whole: the core is UI-free, nothing unpickles, the
server is locked down by default."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for folder in ("core", "pages", "benchmarks") for p in (ROOT / folder).rglob("*.py")] + [ROOT / "app.py"]


def test_core_never_imports_streamlit():
    offenders = [p.name for p in (ROOT / "core").rglob("*.py")
                 if re.search(r"^\s*(import streamlit|from streamlit)", p.read_text(encoding="utf-8"), re.M)]
    assert not offenders


def test_nothing_unpickles():
    pattern = re.compile(r"pickle\.loads?\(|import pickle|joblib|cloudpickle|torch\.load\(|weights_only\s*=\s*False")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_server_settings_are_safe_by_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 100
    assert config["client"]["showErrorDetails"] in (False, "none")
