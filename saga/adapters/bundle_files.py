"""Reading bundle definitions and the department catalogue from YAML or JSON files."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from saga.domain.bundle import Bundle, BundleSet
from saga.domain.catalogue import Catalogue, parse_catalogue
from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as err:
        raise BundleDefinitionError(str(path), [f"cannot be read: {err}"]) from None


def load_catalogue(path: Path) -> Catalogue:
    return parse_catalogue(_read(path), str(path))


def load_bundles(directory: Path, catalogue: Catalogue) -> BundleSet:
    """Every *.yaml / *.yml / *.json bundle directly in `directory` (the catalogue file excluded)."""
    bundles = BundleSet()
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".json") or path.stem == "departments" or not path.is_file():
            continue
        bundle = parse_bundle(_read(path), str(path), catalogue)
        if bundle.id in bundles.bundles:
            raise BundleDefinitionError(str(path), [f"id: bundle {bundle.id!r} is defined twice"])
        bundles.bundles[bundle.id] = bundle
    return bundles


def parse_bundle_text(text: str, catalogue: Catalogue, source: str = "<bundle text>") -> Bundle:
    """A bundle definition given as YAML (or JSON) text, checked like a file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise BundleDefinitionError(source, [f"cannot be read: {err}"]) from None
    return parse_bundle(data, source, catalogue)
