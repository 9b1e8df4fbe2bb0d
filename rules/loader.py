"""Load plan YAML files into validated ``Plan`` values; every error names the file, the line and the field path.

YAML is parsed with PyYAML's composer so every value keeps its line; numbers are read from their source text into
``Decimal`` (a plan never passes through float); duplicate keys are errors, not silently overwritten.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from claimflow.errors import PlanError
from rules.plan import Plan

log = logging.getLogger(__name__)

PLANS_DIR = Path(__file__).parent / "plans"
HINT = "fix the plan file; `claimflow plans check DIR` validates every plan"

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"

Path_ = tuple[str | int, ...]


class _Reader:
    """Turns a composed YAML node tree into plain data, recording the line of every value by its path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, line: int, path: Path_, problem: str) -> PlanError:
        return PlanError(f"{self.file}:{line}: {format_path(path)}: {problem}", hint=HINT)

    def read(self, node: yaml.Node, path: Path_) -> Any:
        line = node.start_mark.line + 1
        self.lines[path] = line
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node.start_mark.line + 1, path, "mapping keys must be plain scalars")
                key = str(key_node.value)
                if key in out:
                    raise self.fail(key_node.start_mark.line + 1, (*path, key), "duplicate key")
                out[key] = self.read(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path, line)

    def scalar(self, node: yaml.ScalarNode, path: Path_, line: int) -> Any:
        text = node.value
        if node.tag == _FLOAT:
            try:
                value = Decimal(text.replace("_", ""))
            except InvalidOperation as e:
                raise self.fail(line, path, f"not a number: {text!r}") from e
            if not value.is_finite():
                raise self.fail(line, path, f"not a finite number: {text!r}")
            return value
        if node.tag == _INT:
            if text.isdigit() and not (len(text) > 1 and text.startswith("0")):
                return int(text)
            if text.lstrip("-").isdigit() and not text.lstrip("-").startswith("0"):
                return int(text)
            return text  # 00100, 0o17, 0x1F: keep what was written (codes with leading zeros)
        if node.tag == _STR:
            return text
        return self.constructor.construct_object(node, deep=True)


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def parse_plan(text: str, *, file: str, version: str) -> Plan:
    """Validate one plan from its YAML text. ``file`` is used in messages, ``version`` stamped on the plan."""
    reader = _Reader(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise PlanError(f"{file}:{line}: not valid YAML: {e.problem or e}", hint=HINT) from e
    except yaml.YAMLError as e:
        raise PlanError(f"{file}: not valid YAML: {e}", hint=HINT) from e
    if root is None:
        raise PlanError(f"{file}:1: (top level): the file is empty", hint=HINT)
    if not isinstance(root, yaml.MappingNode):
        raise reader.fail(root.start_mark.line + 1, (), "a plan is a mapping of fields (id, name, deductible, …)")
    data = reader.read(root, ())
    for key in ("version", "source"):
        if key in data:
            raise reader.fail(reader.lines[(key,)], (key,), "set by the loader (the file's digest); remove it")
    data["version"] = version
    data["source"] = file
    try:
        return Plan.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False):
            loc: Path_ = tuple(p for p in err["loc"] if p != "[key]")
            line = _nearest_line(reader.lines, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; see rules/plans/README.md)"
            problems.append(f"{file}:{line}: {format_path(loc)}: {msg}")
        raise PlanError("\n".join(problems), hint=HINT) from e


def _nearest_line(lines: dict[Path_, int], loc: Path_) -> int:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return 1


def load_plan(path: Path) -> Plan:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PlanError(f"{path}: cannot read: {e.strerror or e}", hint=HINT) from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PlanError(f"{path}: not UTF-8 text", hint=HINT) from e
    version = "sha256:" + hashlib.sha256(raw).hexdigest()
    return parse_plan(text, file=str(path), version=version)


def plan_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_plans(directory: Path | None = None) -> dict[str, Plan]:
    """Every plan in ``directory`` (default: the shipped rules/plans), by id. Duplicate ids are an error."""
    directory = PLANS_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        raise PlanError(f"{directory}: not a directory of plan files", hint="set CLAIMFLOW_PLANS_DIR or pass DIR")
    plans: dict[str, Plan] = {}
    for path in plan_files(directory):
        plan = load_plan(path)
        if plan.id in plans:
            raise PlanError(f"{path}: id: plan {plan.id!r} is also defined in {plans[plan.id].source}", hint=HINT)
        plans[plan.id] = plan
    if not plans:
        raise PlanError(f"{directory}: no plan files (*.yaml)", hint="set CLAIMFLOW_PLANS_DIR or pass DIR")
    log.debug("loaded %d plans from %s", len(plans), directory)
    return plans
