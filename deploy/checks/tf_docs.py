#!/usr/bin/env python3
"""Writes the variables and outputs tables of deploy/terraform/README.md from the module.

Usage (needs python-hcl2, e.g. the virtualenv run.sh creates):
    ~/.cache/ecs-mesh-controller/deploy-checks/hcl2/bin/python deploy/checks/tf_docs.py [--check]

Replaces the text between `<!-- BEGIN TF DOCS -->` and `<!-- END TF DOCS -->`. With --check it
only reports whether the README is up to date (exit 1 if not).
"""

from __future__ import annotations

import json
import sys

from tf_model import MODULE, load_module

BEGIN, END = "<!-- BEGIN TF DOCS -->", "<!-- END TF DOCS -->"


def unwrap(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    return text


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    module = load_module()
    lines = ["### Inputs", "", "| Name | Description | Type | Default |", "|---|---|---|---|"]
    for name, body in module.variables.items():
        default = "required" if "default" not in body else f"`{cell(unwrap(body['default']) if body['default'] is not None else 'null')}`"
        lines.append(f"| `{name}` | {cell(body['description'])} | `{cell(unwrap(body['type']))}` | {default} |")
    lines += ["", "### Outputs", "", "| Name | Description |", "|---|---|"]
    for name, body in module.outputs.items():
        lines.append(f"| `{name}` | {cell(body['description'])} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    readme_path = MODULE / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{BEGIN}\n{render()}\n{END}{tail}"
    if "--check" in argv:
        if updated != readme:
            print("deploy/terraform/README.md tables are out of date: run deploy/checks/tf_docs.py")
            return 1
        return 0
    readme_path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
