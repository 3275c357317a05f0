"""The dialogue package stays pure: standard library, rapidfuzz, PyYAML, jsonschema, itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import outcomes_chat.dialogue

PACKAGE_DIR = Path(outcomes_chat.dialogue.__file__).parent
ALLOWED_THIRD_PARTY = {"rapidfuzz", "yaml", "jsonschema"}
OWN_PACKAGE = "outcomes_chat.dialogue"


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, with relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = OWN_PACKAGE
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.append(f"{base}.{node.module}" if node.module else base)
            else:
                found.append(node.module or "")
    return found


def is_allowed(module: str) -> bool:
    top = module.split(".")[0]
    if module == OWN_PACKAGE or module.startswith(OWN_PACKAGE + "."):
        return True
    return top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "__future__"


def test_dialogue_modules_import_only_the_allowed_set() -> None:
    modules = sorted(PACKAGE_DIR.rglob("*.py"))
    assert modules, "the dialogue package has no modules"
    offending = [
        f"{path.relative_to(PACKAGE_DIR)} imports {module}"
        for path in modules
        for module in imported_modules(path)
        if not is_allowed(module)
    ]
    assert offending == []


def test_the_purity_check_would_catch_flask_and_the_rest_of_the_app() -> None:
    assert not is_allowed("flask")
    assert not is_allowed("sqlalchemy.orm")
    assert not is_allowed("outcomes_chat.database")
    assert not is_allowed("babel")
    assert is_allowed("outcomes_chat.dialogue.script")
    assert is_allowed("rapidfuzz.process")


def test_the_package_readme_states_the_rule() -> None:
    readme = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    assert "rapidfuzz" in readme and "Flask" in readme
