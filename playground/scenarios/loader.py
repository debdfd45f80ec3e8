"""Finding and reading scenario folders.

The scenarios that ship live in the repository's top-level `scenarios/` folder. The package
reaches them as `playground/scenarios/library`, a link to that folder, so a wheel carries them
as package data and an editable install reads the checkout itself. A folder is a scenario when
it holds `scenario.yaml`; folders sort by name (`01-first-pod`, `02-…`), which is the order
`playground scenario list` shows.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from playground.scenarios.model import Scenario, ScenarioError, parse_scenario

SCENARIO_FILE = "scenario.yaml"


def library_dir() -> Path:
    """The folder holding the shipped scenarios."""
    packaged = Path(str(resources.files("playground.scenarios").joinpath("library")))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"


def scenario_folders(root: Path | None = None) -> list[Path]:
    """Every scenario folder under `root` (default: the library), in order."""
    base = root or library_dir()
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if (p / SCENARIO_FILE).is_file())


def load_scenario(path: Path) -> Scenario:
    """Read one scenario from its folder (or its scenario.yaml); ScenarioError says why not."""
    folder = path.parent if path.is_file() else path
    file = folder / SCENARIO_FILE
    if not file.is_file():
        raise ScenarioError(f"{folder}: no {SCENARIO_FILE} here")
    source = f"{folder.name}/{SCENARIO_FILE}"
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from None
    return parse_scenario(data, folder, source)


def load_library(root: Path | None = None) -> list[Scenario]:
    """Every shipped scenario (a malformed one raises ScenarioError naming its file)."""
    return [load_scenario(folder) for folder in scenario_folders(root)]


def find_scenario(name: str, root: Path | None = None) -> Scenario:
    """A scenario by id, folder name or number (`first-pod`, `01-first-pod`, `1`), or a path."""
    candidate = Path(name).expanduser()
    if (candidate / SCENARIO_FILE).is_file() or candidate.name == SCENARIO_FILE:
        return load_scenario(candidate)
    folders = scenario_folders(root)
    for folder in folders:
        prefix, _, rest = folder.name.partition("-")
        if name in (folder.name, rest) or (name.isdigit() and prefix.isdigit()
                                           and int(prefix) == int(name)):
            return load_scenario(folder)
    for folder in folders:
        scenario = load_scenario(folder)
        if scenario.id == name:
            return scenario
    known = ", ".join(f.name.partition("-")[2] or f.name for f in folders)
    raise ScenarioError(f'there is no scenario "{name}". Scenarios: {known or "none"}. '
                        "`playground scenario list` shows them all.")
