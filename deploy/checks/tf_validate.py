#!/usr/bin/env python3
"""`terraform validate` of deploy/terraform and its examples, offline.

Only runs where `terraform` is installed and a local provider mirror holds hashicorp/aws 5.x
(TF_PLUGIN_MIRROR, default /opt/tf-plugins); otherwise it prints why and exits 0, so the
static checks (python-hcl2, checkov, the IAM test) stay the gate everywhere.

The mirror has no hashicorp/random, so the module is validated from a scratch copy in which each
`random_password` is replaced by Terraform's built-in `terraform_data` (and `.result` by
`.output`). Everything else (every aws_* resource's arguments and types, references, variable
validations' syntax) is validated as written.

Exit status: 0 validated or skipped, 1 a validation failed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE = HERE.parent / "terraform"
ROOTS = [Path(".")] + [p.relative_to(MODULE) for p in sorted((MODULE / "examples").glob("*")) if p.is_dir()]


def find_block_end(text: str, open_brace: int) -> int:
    """Index just past the brace that closes the one at `open_brace` (strings are skipped)."""
    depth, i, in_string = 0, open_brace, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces")


def stub_random(text: str) -> str:
    """Replaces random_password resources and references, and the random provider requirement."""
    out = []
    pos = 0
    for match in re.finditer(r'resource\s+"random_password"\s+"([A-Za-z0-9_-]+)"\s*{', text):
        if match.start() < pos:
            continue
        end = find_block_end(text, match.end() - 1)
        # A `count` meta-argument stays, so that indexed references (random_password.x[0]) resolve.
        count = re.search(r"^\s*count\s*=.*$", text[match.end():end], flags=re.MULTILINE)
        out.append(text[pos:match.start()])
        out.append(f'resource "terraform_data" "{match.group(1)}" {{\n{count.group(0) + chr(10) if count else ""}'
                   '  input = "stub-for-validate"\n}')
        pos = end
    out.append(text[pos:])
    text = "".join(out)
    text = re.sub(r"random_password\.([A-Za-z0-9_-]+)(\[[^\]]*\])?\.result", r"terraform_data.\1\2.output", text)
    # Drop `random = { ... }` from required_providers.
    req = re.search(r"\n(\s*)random\s*=\s*{", text)
    if req:
        end = find_block_end(text, req.end() - 1)
        text = text[: req.start()] + text[end:]
    return text


def mirror_has_aws(mirror: Path) -> bool:
    return any((mirror / "registry.terraform.io/hashicorp/aws").glob("5.*/*/terraform-provider-aws*"))


def main() -> int:
    terraform = shutil.which("terraform")
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
    if terraform is None:
        print("terraform validate: skipped (terraform is not installed)")
        return 0
    if not mirror_has_aws(mirror):
        print(f"terraform validate: skipped (no hashicorp/aws 5.x in the provider mirror {mirror})")
        return 0

    with tempfile.TemporaryDirectory(prefix="tf-validate-") as scratch:
        scratch_path = Path(scratch)
        copy = scratch_path / "terraform"
        shutil.copytree(MODULE, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
        for tf in copy.rglob("*.tf"):
            tf.write_text(stub_random(tf.read_text()))

        cli_config = scratch_path / "terraformrc"
        cli_config.write_text(
            'provider_installation {\n'
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }}\n'
            '}\n'
        )
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        env.pop("TF_DATA_DIR", None)

        failed = False
        for root in ROOTS:
            workdir = copy / root
            for args in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-no-color"]):
                result = subprocess.run([terraform, *args], cwd=workdir, env=env, capture_output=True, text=True)
                if result.returncode != 0:
                    print(f"terraform {args[0]} failed in deploy/terraform/{root}:")
                    print(result.stdout + result.stderr)
                    failed = True
                    break
            else:
                print(f"terraform validate: deploy/terraform/{root}: {result.stdout.strip()}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
