"""The kiosk's one config: the order defaults -> TOML -> environment -> flags, derived paths, owner-only files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.core.config import KioskConfig, load_config, save_settings
from kiosk.core.pin import PinGuard, hash_pin
from kiosk.errors import ConfigError, MatchPolicyError
from tests.helpers import require_posix


def _toml(tmp_path, body: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\n" + body)
    return path


def test_each_layer_overrides_the_one_before_defaults_toml_environment_flags(tmp_path):
    cfg = _toml(tmp_path, 'kiosk_id = "from-toml"\ncooldown_s = 60.0\nmodels_dir = "/toml/models"\n'
                          "retention_checkin_days = 30\n")  # fmt: skip
    env = {"KIOSK_COOLDOWN_S": "120", "KIOSK_MODELS_DIR": "/env/models", "RETENTION_TEMPLATE_DAYS": "90"}
    config = load_config(cfg, env=env, overrides={"models_dir": "/flag/models", "kiosk_id": None})
    assert config.direction == "in"  # default: no layer sets it
    assert config.kiosk_id == "from-toml"  # TOML; a flag that was not given (None) changes nothing
    assert config.retention_checkin_days == 30  # TOML only
    assert config.cooldown_s == 120.0  # environment over TOML
    assert config.retention_template_days == 90  # environment alias
    assert config.models_dir == "/flag/models"  # flag over environment over TOML


def test_key_file_audit_log_models_and_retention_are_settings_with_toml_keys_and_environment(tmp_path):
    cfg = _toml(tmp_path, 'key_file = "/k/gallery.key"\naudit_log = "/a/audit.jsonl"\n')
    config = load_config(cfg, env={"KIOSK_MODELS_DIR": "/m", "KIOSK_RETENTION_CHECKIN_DAYS": "7"})
    assert (config.key_file, config.audit_log, config.models_dir) == ("/k/gallery.key", "/a/audit.jsonl", "/m")
    assert config.retention_checkin_days == 7
    assert load_config(cfg, env={"KIOSK_KEY_FILE": "/env.key"}).key_file == "/env.key"
    with pytest.raises(ConfigError, match="retention"):
        load_config(cfg, env={"RETENTION_CHECKIN_DAYS": "-1"})


def test_every_file_location_is_derived_once_from_the_settings(tmp_path):
    config = KioskConfig(gallery=str(tmp_path / "g"), attendance=str(tmp_path / "att.csv"))
    paths = config.paths()
    assert paths.sync_state == tmp_path / "att.sync.json"
    assert paths.sync_rejected == tmp_path / "att.sync.rejected"
    assert paths.people_sync_state == tmp_path / "g" / "people_sync.json"
    assert paths.audit_log == tmp_path / "g" / "audit.jsonl"
    assert paths.key_file.name == "gallery.key" and paths.pin_state.name == "pin_state.json"
    moved = KioskConfig(gallery=str(tmp_path / "g"), audit_log=str(tmp_path / "x.jsonl")).paths()
    assert moved.audit_log == tmp_path / "x.jsonl"


def test_threshold_and_margin_fail_with_one_error_type_wherever_they_are_set(tmp_path):
    from kiosk.core.matching import MatchPolicy

    with pytest.raises(MatchPolicyError):
        load_config(tmp_path / "none.toml", env={"KIOSK_THRESHOLD": "3"})
    with pytest.raises(MatchPolicyError):
        MatchPolicy(threshold=0.5, margin=1.5)
    with pytest.raises(ConfigError):  # still a ConfigError (and a ValueError) for older callers
        load_config(tmp_path / "none.toml", env={"KIOSK_MARGIN": "-0.1"})


def test_the_config_file_and_the_pin_lockout_state_are_readable_by_their_owner_only(tmp_path):
    require_posix()
    old = os.umask(0o022)
    try:
        cfg = save_settings({"server_token": "secret", "admin_pin_hash": "x"}, tmp_path / "kiosk.toml")
        state = tmp_path / "pin_state.json"
        PinGuard(hash_pin("2468"), state_file=state).attempt("0000")
    finally:
        os.umask(old)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert load_config(cfg, env={}).server_token == "secret"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.toml", "pin_state.json"]  # no temporary left


def test_a_config_file_readable_by_others_is_made_owner_only_when_loaded(tmp_path):
    require_posix()
    cfg = _toml(tmp_path, 'server_token = "secret"\n')
    cfg.chmod(0o644)
    assert load_config(cfg, env={}).server_token == "secret"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
