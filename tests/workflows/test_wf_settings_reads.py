"""Every per-cycle setting the code or a template reads is declared in
workflows/settings.py and read through setting() (or Workflow.setting,
Cycle.setting), never with a dict look-up and a default of its own."""

import ast
import re
from pathlib import Path

from workflows.settings import DECLARED

ROOT = Path(__file__).resolve().parents[2]

SOURCES = sorted([*(ROOT / "awards_app").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")])
TEMPLATES = sorted((ROOT / "awards_app" / "templates").rglob("*.html"))


def _ends_in_settings(node) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.endswith("settings")


def _reads(path: Path, root: Path = ROOT):
    """(setting names read through setting(), raw reads of a settings dict) in one file."""
    names, raw = set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called == "setting":
                names |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            elif called == "get" and isinstance(func, ast.Attribute) and _ends_in_settings(func.value):
                raw.append(f"{path.relative_to(root)}:{node.lineno}")
        elif (isinstance(node, ast.Subscript) and _ends_in_settings(node.value)
              and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            raw.append(f"{path.relative_to(root)}:{node.lineno}")
    return names, raw


def test_every_setting_read_in_the_code_is_declared_and_read_through_setting():
    names, raw = set(), []
    for path in SOURCES:
        if path == ROOT / "workflows" / "settings.py":
            continue  # where the reading is done
        found, direct = _reads(path)
        names |= found
        raw += direct
    assert raw == [], "read settings with setting(), Workflow.setting or Cycle.setting"
    assert names, "the scan found no reads at all"
    assert names <= set(DECLARED), sorted(names - set(DECLARED))


def test_every_setting_read_in_a_template_is_declared_and_read_through_setting():
    names = set()
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"settings(\.get\(|\[)", text), path
        names |= set(re.findall(r"\.setting\(['\"](\w+)['\"]\)", text))
    assert names <= set(DECLARED), sorted(names - set(DECLARED))


def test_the_scan_sees_a_raw_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = cycle.settings.get("board_quorum", 1)\ny = settings["max_age"]\n'
                      'z = wf.setting(cycle.settings, "board_qourum")\n')
    names, raw = _reads(sample, tmp_path)
    assert names == {"board_qourum"} and raw == ["sample.py:1", "sample.py:2"]
