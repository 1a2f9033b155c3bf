"""workflows/ is pure Python: importing it loads neither Flask, SQLAlchemy
nor the application, so the rules can be read, tested and run anywhere."""

import ast
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "awards_app", "flask_sqlalchemy", "flask_migrate")


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_importing_workflows_loads_no_web_or_database_module():
    out = _run("import json, sys, workflows; "
               f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))")
    assert json.loads(out) == []


def test_the_registry_lists_the_seven_awards_from_a_bare_interpreter():
    out = _run("import workflows; print(sorted(workflows.REGISTRY))")
    assert out.strip() == str(sorted([
        "best_delegation_award", "cultural_award", "derek_gray_medal", "enrique_padilla_award",
        "milset_award", "volunteer_award", "young_scientists_award",
    ]))


def test_no_workflow_module_imports_flask_sqlalchemy_or_the_app():
    sources = sorted((ROOT / "workflows").glob("*.py"))
    assert sources, "workflows/ has no modules"
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] in FORBIDDEN], f"{path.name} imports {names}"
