"""Load YAML content from prompts/ and validate it against its JSON schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match

# libyaml's safe loader, where PyYAML was built with it: the same nodes and data as the
# pure-Python SafeLoader, read about ten times faster (every process loads every lexicon).
_FAST_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(Exception):
    """A content file is missing, not valid YAML, or does not match its schema."""


def load_document(path: Path, schema_name: str) -> Any:
    """Read one YAML file and return its data once it matches prompts/schema/<schema_name>."""
    path = Path(path)
    prompts_dir = _prompts_dir_for(path, schema_name)
    shown = _shown_path(path, prompts_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{shown}: cannot be read ({exc}).") from exc
    try:
        root, data = _parse(text, _FAST_LOADER)
    except yaml.YAMLError:
        # Told with the pure-Python loader's words, whichever loader found the fault.
        try:
            root, data = _parse(text, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise ContentError(_syntax_message(shown, exc)) from exc
    if root is not None:
        _refuse_duplicate_keys(root, shown)
    error = best_match(_validator(prompts_dir, schema_name).iter_errors(data))
    if error is not None:
        where = list(error.absolute_path)
        raise ContentError(_schema_message(shown, root, where, error.message, schema_name))
    return data


def _parse(text: str, loader: type[Any]) -> tuple[yaml.Node | None, Any]:
    """The document's nodes and its data. Composing keeps every node's position, so a schema
    error can cite a line."""
    return yaml.compose(text, Loader=loader), yaml.load(text, Loader=loader)


def content_error_at(path: Path, where: list[Any], problem: str, schema_name: str) -> ContentError:
    """A ContentError for a rule beyond the schema, citing the line and entry at a data path."""
    path = Path(path)
    prompts_dir = _prompts_dir_for(path, schema_name)
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    shown = _shown_path(path, prompts_dir)
    return ContentError(_schema_message(shown, root, where, problem, schema_name))


def _prompts_dir_for(path: Path, schema_name: str) -> Path:
    """Find the prompts directory holding the schema, looking upwards from the file."""
    for folder in path.resolve().parents:
        if (folder / "schema" / f"{schema_name}.schema.json").is_file():
            return folder
    from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR

    return DEFAULT_PROMPTS_DIR


def _shown_path(path: Path, prompts_dir: Path) -> str:
    """Name the file as a content author knows it, e.g. prompts/scripts/carer.yaml."""
    try:
        return path.resolve().relative_to(prompts_dir.parent).as_posix()
    except ValueError:
        return path.as_posix()


@lru_cache(maxsize=32)
def _validator(prompts_dir: Path, schema_name: str) -> jsonschema.Draft202012Validator:
    """Build (once) the draft 2020-12 validator for one schema file."""
    schema_path = prompts_dir / "schema" / f"{schema_name}.schema.json"
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise ContentError(f"{schema_path}: the schema cannot be used ({exc}).") from exc
    return jsonschema.Draft202012Validator(schema)


def _syntax_message(shown: str, exc: yaml.YAMLError) -> str:
    """Turn a YAML parser error into a sentence with the file and line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f", line {mark.line + 1}" if mark is not None else ""
    return f"{shown}{where}: this is not valid YAML ({problem})."


def _refuse_duplicate_keys(node: yaml.Node, shown: str) -> None:
    """Refuse a mapping that repeats a key: YAML would silently keep only the last one."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    where = f"{shown}, line {key.start_mark.line + 1}"
                    raise ContentError(f"{where}: the key '{key.value}' appears twice.")
                seen.add(key.value)
            _refuse_duplicate_keys(value, shown)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, shown)


def _schema_message(
    shown: str, root: yaml.Node | None, where: list[Any], problem: str, root_kind: str
) -> str:
    """Say which file, line and entry broke the schema, and how."""
    line, entry = _locate(root, where, root_kind)
    entry_text = f" ({entry})" if entry else ""
    line_text = f", line {line}" if line else ""
    return f"{shown}{line_text}{entry_text}: {problem}"


def _locate(
    root: yaml.Node | None, where: Iterable[Any], root_kind: str
) -> tuple[int | None, str | None]:
    """Follow a JSON path through the YAML nodes: deepest line, nearest enclosing entry id
    (or, when no entry on the way has an id, the first listed entry's position)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    entry = _entry_name(node, root_kind + "s")
    parent_key: str | None = None
    position: str | None = None
    for step in where:
        child = _child(node, step)
        if child is None:
            break
        if isinstance(node, yaml.MappingNode):
            parent_key = str(step)
        elif position is None and isinstance(child, yaml.MappingNode):
            position = f"{(parent_key or 'entry').removesuffix('s')} {int(step) + 1}"
        node = child
        line = node.start_mark.line + 1
        entry = _entry_name(node, parent_key) or entry
    return line, entry or position


def _child(node: yaml.Node | None, step: Any) -> yaml.Node | None:
    """One step down a mapping (by key) or a sequence (by index)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]
    return None


def _entry_name(node: yaml.Node | None, list_key: str | None) -> str | None:
    """Name an entry that has an id, as 'topic "finance"' (the list's name made singular)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if getattr(key, "value", None) == "id" and isinstance(value, yaml.ScalarNode):
            kind = (list_key or "entry").removesuffix("s")
            return f'{kind} "{value.value}"'
    return None
