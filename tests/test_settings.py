"""The declared settings (participatory/settings.py): typed reads, clear refusals, and the README's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from participatory import config, settings
from participatory.settings import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_read_with_its_declared_default(tmp_path):
    values = config.from_environment(tmp_path, environ={})
    for setting in settings.SETTINGS:
        if setting.name != "DATABASE_URL" and setting.default is not None:  # None: derived, below
            assert values[setting.config_key] == setting.default, setting.name
    assert values["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


@pytest.mark.parametrize(
    ("environ", "allowed"),
    [
        ({}, True),
        ({"PARTICIPATORY_ENV": "production", "SECRET_KEY": "x" * 40}, False),
        ({"PARTICIPATORY_ENV": "production", "SECRET_KEY": "x" * 40, "DEMO_ACCOUNTS_ALLOWED": "1"}, True),
        ({"DEMO_ACCOUNTS_ALLOWED": "off"}, False),
    ],
)
def test_demo_sign_ins_default_to_off_in_production_only(tmp_path, environ, allowed):
    assert config.from_environment(tmp_path, environ=environ)["DEMO_ACCOUNTS_ALLOWED"] is allowed


def test_names_are_declared_once():
    assert len(settings.BY_NAME) == len(settings.SETTINGS)


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("VOTING_MIN_DAYS", "14", 14),
        ("VOTING_MIN_DAYS", " 3 ", 3),
        ("PAGE_CACHE_SECONDS", "", 30),  # empty is the default (it was 0 here, 30 when unset)
        ("PAGE_CACHE_SECONDS", "0", 0),
        ("PROPOSALS_PER_AUTHOR", "", 5),
        ("JOBS_INLINE", "1", True),
        ("JOBS_INLINE", "0", False),
        ("JOBS_INLINE", "", False),
        ("BOUNDARY_CHECK_SECONDS", "0.5", 0.5),
        ("CAMPAIGN_CEILING_COEFFICIENT", "1.30", "1.30"),
        ("PARTICIPATORY_ENV", "production", "production"),
        ("RATELIMIT_VOTE", "3 per minute", "3 per minute"),
    ],
)
def test_values_are_typed(name, raw, value):
    setting = settings.BY_NAME[name]
    read = settings.read({name: raw})[setting.config_key]
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("VOTING_MIN_DAYS", "a week", "VOTING_MIN_DAYS must be a whole number, not 'a week'"),
        ("PAGE_CACHE_SECONDS", "2.5", "PAGE_CACHE_SECONDS must be a whole number"),
        ("JOBS_INLINE", "yes please", "JOBS_INLINE must be 1 or 0"),
        ("FRANCECONNECT_TIMEOUT", "ten", "FRANCECONNECT_TIMEOUT must be a number"),
        ("CAMPAIGN_CEILING_COEFFICIENT", "1,26", "CAMPAIGN_CEILING_COEFFICIENT must be a decimal number"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(monkeypatch, name, raw, message):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=message):
        config.from_environment(Path("instance"))


def test_the_readme_table_is_the_declared_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.readme_table() in readme, "run: python scripts/settings_table.py"
    listed = [line.split("`")[1] for line in settings.readme_table().splitlines()[2:]]
    assert listed == [setting.name for setting in settings.SETTINGS]
    done = subprocess.run([sys.executable, "scripts/settings_table.py", "--check"], cwd=ROOT, check=False)
    assert done.returncode == 0


def test_config_reads_no_variable_by_hand():
    """Every environment read goes through the table (config.py holds no os.environ.get of its own)."""
    source = (ROOT / "participatory" / "config.py").read_text(encoding="utf-8")
    assert "os.environ.get(" not in source and "os.getenv(" not in source
