"""The packaging inputs agree with the code: the models and modules the build leaves out are really unused,
the version resource and Info.plist say the right things, CI runs what build.spec produces. Fast; no build."""

from __future__ import annotations

import ast
import plistlib
import re
import runpy

import pytest

from kiosk import __version__
from tests.helpers import ROOT, require

SPEC = ROOT / "build.spec"
PACKAGING = ROOT / "packaging"


def _spec_constant(name: str):
    """A literal assigned at the top of build.spec (the spec runs only inside PyInstaller)."""
    for node in ast.parse(SPEC.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"build.spec assigns no {name}")


def _kiosk_modules():
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def _model_uses() -> dict[str, list[str]]:
    """Which optional dlib models kiosk code reaches, by ModelPaths field: {field: ["file:line call", ...]}."""
    uses: dict[str, list[str]] = {"cnn_detector": [], "landmarks_68": []}
    for path, tree in _kiosk_modules():
        if path.name == "engine.py" and path.parent.name == "vision":
            continue  # where they are defined
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            keywords = {k.arg: k.value for k in node.keywords}
            where = f"{path.relative_to(ROOT)}:{node.lineno} {name}()"
            if name == "detect_cnn":
                uses["cnn_detector"].append(where)
            if name in {"load_landmarks_68", "landmarks_68"}:
                uses["landmarks_68"].append(where)
            if name == "load" and "landmarks_68" in keywords:
                flag = keywords["landmarks_68"]
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    uses["landmarks_68"].append(where)
            if name == "landmarks" and getattr(keywords.get("points"), "value", 5) != 5:
                uses["landmarks_68"].append(where)
    return uses


def test_every_model_the_kiosk_loads_is_bundled():
    from kiosk.vision.models import model_paths

    paths = model_paths(ROOT)
    bundled = set(_spec_constant("BUNDLED_MODELS"))
    assert {paths.landmarks_5.name, paths.descriptor.name} <= bundled  # FaceEngine.load()
    for field, calls in _model_uses().items():
        if calls:
            assert getattr(paths, field).name in bundled, f"add {field}'s file to BUNDLED_MODELS: used by {calls}"


def test_the_cnn_detector_offered_for_enrolment_photos_is_bundled():
    from kiosk.vision.models import model_paths

    assert _model_uses()["cnn_detector"], "kiosk enroll --detector cnn should reach detect_cnn"
    assert model_paths(ROOT).cnn_detector.name in _spec_constant("BUNDLED_MODELS")


def test_the_kiosk_imports_nothing_the_build_excludes():
    excluded = set(_spec_constant("EXCLUDES"))
    found = []
    for path, tree in _kiosk_modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                if any(".".join(parts[:i]) in excluded for i in range(1, len(parts) + 1)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not found, "build.spec excludes modules the kiosk imports: " + ", ".join(found)


def test_the_macos_info_plist_explains_the_camera():
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert "camera" in info["NSCameraUsageDescription"].lower()
    assert info["CFBundleIdentifier"] == "org.faceattend.kiosk"


def test_the_windows_version_resource_carries_the_package_version():
    text = (PACKAGING / "windows" / "version_info.txt").read_text()
    assert re.search(rf'^version = "{re.escape(__version__)}"$', (ROOT / "pyproject.toml").read_text(), re.M)
    numbers = tuple(int(n) for n in __version__.split(".")) + (0,)
    for field in ("filevers", "prodvers"):
        assert re.search(rf"{field}=\({', '.join(map(str, numbers))}\)", text), field
    for field in ("FileVersion", "ProductVersion"):
        assert f"StringStruct('{field}', '{__version__}')" in text, field


def test_the_icons_exist_in_every_format_the_build_uses():
    try:
        from PIL import Image as image
    except ImportError:
        image = None
    require(image, "Pillow is not installed (requirements.lock brings it in with matplotlib and face_recognition)")
    icons = PACKAGING / "icons"
    assert image.open(icons / "kiosk.png").size == (512, 512)
    ico = image.open(icons / "kiosk.ico")
    assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    assert image.open(icons / "kiosk.icns").size[0] >= 512
    assert (PACKAGING / "make_icons.py").is_file()  # their generator


def test_ci_runs_the_commands_and_the_folder_this_spec_produces():
    workflow = (ROOT / ".github" / "workflows" / "ci-cd.yml").read_text()
    assert "pyinstaller --noconfirm build.spec" in workflow
    assert "dist/kiosk/kiosk --self-test" in workflow
    spec = SPEC.read_text()
    assert re.search(r'COLLECT\([^)]*name="kiosk"', spec, re.S)
    assert re.search(r'EXE\([^)]*name="kiosk"', spec, re.S)


@pytest.mark.parametrize(("given", "expected"), [
    (None, None),
    ("offscreen", "offscreen"),
    ("xcb", "xcb"),
    ("wayland", "wayland;xcb"),
    ("wayland;offscreen", "wayland;offscreen"),
    ("eglfs:/dev/fb0", "eglfs:/dev/fb0;xcb"),
])
def test_the_linux_runtime_hook_falls_back_to_a_shipped_platform_plugin(monkeypatch, given, expected):
    monkeypatch.delenv("QT_XCB_GL_INTEGRATION", raising=False)
    if given is None:
        monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    else:
        monkeypatch.setenv("QT_QPA_PLATFORM", given)
    runpy.run_path(str(PACKAGING / "rthooks" / "rth_kiosk_qt_linux.py"))
    import os

    assert os.environ.get("QT_QPA_PLATFORM") == expected
    assert os.environ["QT_XCB_GL_INTEGRATION"] == "none"
