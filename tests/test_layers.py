"""The import-linter layers contract (pyproject.toml) covers every package: a module it does not name is unchecked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def layers() -> list[list[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[name.strip(" ()") for name in re.split(r"[|:]", layer)] for layer in contract["layers"]]


def test_the_core_layer_names_every_package_of_claimflow_but_the_cli() -> None:
    core = set(layers()[-1])
    on_disk = {
        f"claimflow.{p.stem}"
        for p in (REPO / "claimflow").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())
    } - {"claimflow.cli"}
    assert core == on_disk, f"core layer in pyproject.toml: add {sorted(on_disk - core)}, remove {sorted(core - on_disk)}"


def test_every_root_package_is_in_a_layer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    named = {name.split(".")[0] for layer in layers() for name in layer}
    assert set(config["root_packages"]) <= named
    assert named <= set(config["root_packages"]) | {"api"}, "a layer names a package that is not a root package"
