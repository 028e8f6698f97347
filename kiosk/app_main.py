"""``python -m kiosk run``: parse the flags (one per config field), load the config, run the Qt app."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import fields
from pathlib import Path

from kiosk.core.config import ENV_ALIASES, ENV_PREFIX, KioskConfig, default_config_file, load_config
from kiosk.errors import KioskError


def build_run_parser() -> argparse.ArgumentParser:
    aliases = {v: k for k, v in ENV_ALIASES.items()}
    epilog = (
        "Settings are read from, in order: defaults, the TOML file (--config, KIOSK_CONFIG or "
        f"{default_config_file()}), environment variables, then these flags. Every flag has an environment "
        f"variable {ENV_PREFIX}<NAME>; also KNOWN_FACES_PATH, ATTENDANCE_FILE, LOG_LEVEL and DEBUG."
    )
    p = argparse.ArgumentParser(prog="kiosk run", description="Run the attendance kiosk.", epilog=epilog)
    p.add_argument("--config", default=None, help="TOML config file")
    for f in fields(KioskConfig):
        flag = "--" + f.name.replace("_", "-")
        env = ENV_PREFIX + f.name.upper() + (f" or {aliases[f.name]}" if f.name in aliases else "")
        help_text = f"{f.metadata.get('help', '')} (default: {f.default!r}; env {env})"
        if f.type == "bool" or f.metadata.get("tristate"):
            p.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            p.add_argument(flag, dest=f.name, default=None, help=help_text,
                           type={"float": float, "int": int}.get(f.type, str))
    return p


def run_main(argv: list[str]) -> int:
    args = build_run_parser().parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in fields(KioskConfig)}
    try:
        config = load_config(args.config, overrides=overrides).resolved()
    except KioskError as exc:
        sys.stderr.write(f"kiosk: {exc}\n")
        return 2
    level = "DEBUG" if config.debug else config.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if config.exit_at_end and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from kiosk.qt.app import KioskApp, show_fatal

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Attendance kiosk")
    from kiosk.qt.i18n import install_language

    install_language(config.language)
    try:
        kiosk = KioskApp(config, config_file=Path(args.config) if args.config else default_config_file())
        kiosk.start()
    except (KioskError, OSError, RuntimeError, TimeoutError) as exc:
        show_fatal(str(exc))
        return 1
    code = app.exec()
    kiosk.shutdown()
    return code
