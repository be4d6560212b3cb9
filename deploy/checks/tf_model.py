"""Reads deploy/terraform with python-hcl2 into plain dicts the tests can query.

Strings come back without their quotes; expressions stay as "${...}" strings; repeated blocks
(statement, condition, ...) are lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "deploy" / "terraform"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def tf_files(root: Path = MODULE, recursive: bool = True) -> list[Path]:
    """The .tf files of the module (and, recursively, its examples), skipping .terraform/."""
    pattern = "**/*.tf" if recursive else "*.tf"
    return sorted(p for p in root.glob(pattern) if ".terraform" not in p.parts)


def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=OPTIONS)


@dataclass
class Module:
    """One Terraform module directory, merged across its files."""

    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where each resource/data block was declared: "resource.aws_iam_role.task" -> "iam.tf".
    origin: dict[str, str] = field(default_factory=dict)

    def policy_documents(self) -> dict[str, dict[str, Any]]:
        return self.data.get("aws_iam_policy_document", {})

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(kind, {})


def _merge_blocks(target: dict, blocks: list[dict], kind: str, file: str, origin: dict[str, str]) -> None:
    for block in blocks:
        for type_name, by_name in block.items():
            for name, body in by_name.items():
                if name in target.setdefault(type_name, {}):
                    raise ValueError(f"{kind} {type_name}.{name} is declared twice")
                target[type_name][name] = body
                origin[f"{kind}.{type_name}.{name}"] = file


def load_module(root: Path = MODULE) -> Module:
    """Parses every .tf file directly in `root` (not in sub-directories)."""
    module = Module()
    for path in tf_files(root, recursive=False):
        doc = parse(path)
        _merge_blocks(module.resources, doc.get("resource", []), "resource", path.name, module.origin)
        _merge_blocks(module.data, doc.get("data", []), "data", path.name, module.origin)
        for block in doc.get("locals", []):
            module.locals.update(block)
        for block in doc.get("variable", []):
            module.variables.update(block)
        for block in doc.get("output", []):
            module.outputs.update(block)
    return module


def as_list(value: Any) -> list[Any]:
    """A block or attribute that may be one value or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of an aws_iam_policy_document, including `dynamic "statement"` contents."""
    found = list(as_list(document.get("statement")))
    for dynamic in as_list(document.get("dynamic")):
        for label, body in dynamic.items():
            if label == "statement":
                found.extend(as_list(body.get("content")))
    return found
