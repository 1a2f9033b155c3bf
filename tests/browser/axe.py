"""axe-core, run inside the page by Playwright, and the table of what it found.

axe.min.js comes from the npm registry (package.json pins it; `npm ci`
installs it). The page loads it from a same-origin URL that the test's
browser context answers itself (see `Pages.open` in conftest.py), so the
app's Content-Security-Policy stays as in production.
"""

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe__.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")


def run(page) -> list[dict]:
    """axe's violations on the page as it is now (every rule axe runs by default)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    return page.evaluate("""async () => {
        const result = await window.axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")


@dataclass
class Entry:
    label: str
    role: str
    path: str
    locale: str
    counts: dict
    violations: list = field(default_factory=list)


@dataclass
class Log:
    entries: list[Entry] = field(default_factory=list)
    # Where a page with a serious or critical violation is photographed.
    artifacts: Path | None = None

    def check(self, page, label: str, role: str) -> list[str]:
        """Run axe on the page, keep the counts, and return one line per
        serious or critical violation (empty when there is none)."""
        violations = run(page)
        counts = {impact: 0 for impact in IMPACTS}
        for v in violations:
            counts[v["impact"] or "minor"] += 1
        locale = page.evaluate("() => document.documentElement.lang")
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        self.entries.append(Entry(label, role, "/" + path, locale, counts, violations))
        blocking = [f"{label} ({role}, {locale}): {v['impact']} {v['id']}: {v['help']} at "
                    + "; ".join(n["target"] for n in v["nodes"][:5])
                    for v in violations if v["impact"] in BLOCKING]
        if blocking and self.artifacts:
            self.artifacts.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"axe-{role}-{label}-{locale}")
            page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)
        return blocking

    def table(self) -> str:
        if not self.entries:
            return ""
        head = f"{'page':<44} {'role':<10} {'lang':<4} {'crit':>4} {'ser':>4} {'mod':>4} {'min':>4}  rules"
        lines = [head, "-" * len(head)]
        for e in self.entries:
            c = e.counts
            rules = ", ".join(sorted({f"{v['id']}({v['impact'][:3]})" for v in e.violations}))
            lines.append(f"{e.label[:44]:<44} {e.role:<10} {e.locale:<4} {c['critical']:>4} {c['serious']:>4} "
                         f"{c['moderate']:>4} {c['minor']:>4}  {rules}")
        return "\n".join(lines)

    def write(self, directory: Path) -> None:
        if not self.entries:
            return
        directory.mkdir(exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (directory / f"axe-report-{worker}.txt").write_text(self.table() + "\n")
        (directory / f"axe-report-{worker}.json").write_text(
            json.dumps([asdict(e) for e in self.entries], indent=1))


LOG = Log()
