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


def _imports(path: Path) -> set[str]:
    """Repo modules `path` imports, at any depth (lazy imports inside functions count too)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_import_graph_of_the_repo_has_no_cycle():
    modules = {f"{p.parent.name}.{p.stem}": p for folder in ("core", "pages")
               for p in (ROOT / folder).glob("*.py") if p.stem != "__init__"}
    graph = {name: sorted(_imports(path) & set(modules) - {name}) for name, path in modules.items()}
    assert graph["core.training"] and graph["pages.ui"]          # the parser does see imports
    state, cycles = {}, []

    def visit(name, trail):
        state[name] = "open"
        for other in graph[name]:
            if state.get(other) == "open":
                cycles.append(trail[trail.index(other):] + [other])
            elif other not in state:
                visit(other, trail + [other])
        state[name] = "done"
    for name in graph:
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_every_routed_page_is_a_thin_view():
    routed = re.findall(r'st\.Page\("(pages/\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))
    assert len(routed) == 6
    sizes = {page: len((ROOT / page).read_text(encoding="utf-8").splitlines()) for page in routed}
    assert max(sizes.values()) <= 200, sizes


def test_the_core_map_lists_every_module():
    listed = set(re.findall(r"^    (\w+) ", (ROOT / "core" / "__init__.py").read_text(encoding="utf-8"), re.M))
    assert listed == {p.stem for p in (ROOT / "core").glob("*.py")} - {"__init__", "__main__"}


def test_no_reference_outside_the_repo_and_no_issue_numbers_in_code():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES + [ROOT / "README.md"]
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if "../shared" in line or (p.suffix == ".py" and re.search(r"\bissue \d", line))]
    assert not offenders, offenders


def test_the_readme_shows_every_page_at_1280_and_768_px():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"\]\((assets/[^)]+\.png)\)", readme)
    assert [p for p in pictures if not (ROOT / p).is_file()] == []
    for page in ("data", "semantics", "train", "analysis", "generate", "evaluate"):
        assert {f"assets/screenshots/{page}_{width}.png" for width in (1280, 768)} <= set(pictures), page
