"""Reading bundle definitions and the department catalogue from YAML or JSON files, and a bundle
definition given as text (an operator's WhatIf). YAML is read by a bounded loader: at most 64 KB,
no aliases (4 KB of nested aliases once took 18 s and 2.2 GB), at most 20 levels deep; anything
unreadable is a BundleDefinitionError naming the problem, never another exception."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from saga.domain.bundle import Bundle, BundleSet
from saga.domain.catalogue import Catalogue, parse_catalogue
from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle


MAX_DEFINITION_BYTES = 64 * 1024
MAX_DEPTH = 20


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses aliases and nesting deeper than MAX_DEPTH while composing, before
    anything is built."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not accepted in a bundle definition",
                                self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, source: str) -> Any:
    """YAML (or JSON, which is YAML) text as data, bounded; BundleDefinitionError if it cannot be read."""
    if len(text.encode("utf-8")) > MAX_DEFINITION_BYTES:
        raise BundleDefinitionError(source, [f"larger than {MAX_DEFINITION_BYTES} bytes"])
    try:
        return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader, bounded
    except yaml.YAMLError as err:
        raise BundleDefinitionError(source, [f"cannot be read: {_short(err)}"]) from None
    except (ValueError, OverflowError) as err:  # an int of 5000 digits, a date like 2026-13-45
        raise BundleDefinitionError(source, [f"cannot be read: {_short(err)}"]) from None


def _short(err: Exception) -> str:
    text = str(err)
    return text if len(text) <= 300 else text[:300] + "…"


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else load_yaml(text, str(path))
    except BundleDefinitionError:
        raise
    except (OSError, ValueError) as err:
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
    return parse_bundle(load_yaml(text, source), source, catalogue)
