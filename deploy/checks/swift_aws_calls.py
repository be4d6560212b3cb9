#!/usr/bin/env python3
"""The AWS API operations the Swift code calls, as IAM actions.

The pattern relied on (Sources/AWS/Transport/AWSJSONClient.swift): every AWS call goes through
`AWSJSONClient.send(_:input:...)` or `sendRaw(_:body:...)`, with the operation name as a string
literal first argument, in a file that says which service it talks to:

    // Sources/AWS/SecretsManager/SecretsManagerClient.swift
    self.transport = AWSJSONClient(httpClient: client, service: .secretsManager(endpoint: ...), ...)
    ...
    return try await transport.send("CreateSecret", input: request, deadline: deadline, logger: logger)

A file's service is named by the `AWSService` factory it uses (`.secretsManager(`, `.ecs(`) or by a
`targetPrefix: "<prefix>"` literal. A complete `X-Amz-Target` literal such as
`"secretsmanager.CreateSecret"` also counts, wherever it appears.

Comments are ignored (doc comments carry examples such as `ecs.send("ListTasks", ...)`), so only
code counts. An operation counts as called when some file sends it, whether or not anything uses
the wrapper around it: remove an unused wrapper to drop its permission.

Some calls need a second IAM action (IMPLIED_ACTIONS): CreateSecret with tags also needs
secretsmanager:TagResource, so a `.createSecret(...)` call site that passes `tags:` adds it.

Errors (ExtractionError) are loud on purpose: a file that sends operations without naming exactly
one service, a target prefix with no IAM mapping, or no operation at all.

Run it to print what it finds:  python3 deploy/checks/swift_aws_calls.py [Sources]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# X-Amz-Target prefix -> IAM service prefix (reference/aws-contracts.md sections 3, 4).
TARGET_PREFIXES = {
    "secretsmanager": "secretsmanager",
    "AmazonEC2ContainerServiceV20141113": "ecs",
}

# AWSService factory (Sources/AWS/Transport/AWSService.swift) -> X-Amz-Target prefix.
SERVICE_FACTORIES = {
    "secretsManager": "secretsmanager",
    "ecs": "AmazonEC2ContainerServiceV20141113",
}

# (call-site method, argument label, IAM action it adds, why)
IMPLIED_ACTIONS = [
    ("createSecret", "tags", "secretsmanager:TagResource",
     "CreateSecret with Tags also needs secretsmanager:TagResource (Secrets Manager API reference)"),
]

OPERATION_CALL = re.compile(r"\b(?:send|sendRaw)\s*\(\s*\"([A-Za-z][A-Za-z0-9]*)\"")
FULL_TARGET = re.compile(r"\"(" + "|".join(map(re.escape, TARGET_PREFIXES)) + r")\.([A-Z][A-Za-z0-9]*)\"")
FACTORY_USE = re.compile(r"\.(" + "|".join(map(re.escape, SERVICE_FACTORIES)) + r")\s*\(")
TARGET_PREFIX_LITERAL = re.compile(r"\btargetPrefix\s*:\s*\"([^\"]+)\"")


class ExtractionError(Exception):
    """The code does not follow the pattern this extractor relies on."""


@dataclass
class Extraction:
    """What the extractor found: IAM action -> where (file:line) it comes from."""

    actions: dict[str, list[str]] = field(default_factory=dict)

    def add(self, action: str, where: str) -> None:
        self.actions.setdefault(action, []).append(where)


def strip_comments(source: str) -> str:
    """Swift source with comments blanked out (newlines kept, so line numbers stay right).

    Understands string literals (with escapes and `\\( ... )` interpolation, which may itself hold
    strings), multi-line `\"\"\"` strings, raw `#\"...\"#` strings and nested `/* */` comments.
    """
    out: list[str] = []
    n = len(source)

    def blank(text: str) -> str:
        return "".join("\n" if c == "\n" else " " for c in text)

    def lex_code(i: int, stop_at_close_paren: bool) -> int:
        depth = 0
        while i < n:
            c = source[i]
            if source.startswith("//", i):
                end = source.find("\n", i)
                end = n if end == -1 else end
                out.append(blank(source[i:end]))
                i = end
            elif source.startswith("/*", i):
                j, level = i + 2, 1
                while j < n and level:
                    if source.startswith("/*", j):
                        level, j = level + 1, j + 2
                    elif source.startswith("*/", j):
                        level, j = level - 1, j + 2
                    else:
                        j += 1
                out.append(blank(source[i:j]))
                i = j
            elif c == '"' or (c == "#" and re.match(r'#+"', source[i:])):
                i = lex_string(i)
            elif c == "(":
                depth += 1
                out.append(c)
                i += 1
            elif c == ")":
                if stop_at_close_paren and depth == 0:
                    return i
                depth -= 1
                out.append(c)
                i += 1
            else:
                out.append(c)
                i += 1
        return i

    def lex_string(i: int) -> int:
        hashes = len(re.match(r"#*", source[i:]).group(0))
        j = i + hashes
        multiline = source.startswith('"""', j)
        quote = '"""' if multiline else '"'
        closing = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        out.append(source[i : j + len(quote)])
        j += len(quote)
        while j < n:
            if source.startswith(closing, j):
                out.append(closing)
                return j + len(closing)
            if source.startswith(escape, j):
                k = j + len(escape)
                if k < n and source[k] == "(":
                    out.append(source[j : k + 1])
                    j = lex_code(k + 1, stop_at_close_paren=True)
                    if j < n:
                        out.append(")")
                        j += 1
                    continue
                out.append(source[j : k + 1])
                j = k + 1
                continue
            out.append(source[j])
            j += 1
        return j

    lex_code(0, stop_at_close_paren=False)
    return "".join(out)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _balanced_args(text: str, open_paren: int) -> str:
    depth = 0
    for i in range(open_paren, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[open_paren + 1 : i]
    return text[open_paren + 1 :]


def file_service(code: str, path: str) -> str | None:
    """The IAM service prefix a file talks to, or None if it names none; raises if it names several."""
    prefixes = {SERVICE_FACTORIES[m.group(1)] for m in FACTORY_USE.finditer(code)}
    for m in TARGET_PREFIX_LITERAL.finditer(code):
        if m.group(1) not in TARGET_PREFIXES:
            raise ExtractionError(f"{path}: targetPrefix \"{m.group(1)}\" has no IAM mapping in TARGET_PREFIXES; add it.")
        prefixes.add(m.group(1))
    if len(prefixes) > 1:
        raise ExtractionError(
            f"{path}: sends AWS operations but names several services ({', '.join(sorted(prefixes))}); "
            "keep one service's calls per file so they can be attributed."
        )
    return TARGET_PREFIXES[prefixes.pop()] if prefixes else None


def extract_text(code: str, path: str, result: Extraction) -> None:
    """Adds the actions of one (comment-stripped) file to `result`."""
    for m in FULL_TARGET.finditer(code):
        result.add(f"{TARGET_PREFIXES[m.group(1)]}:{m.group(2)}", f"{path}:{_line_of(code, m.start())}")

    calls = list(OPERATION_CALL.finditer(code))
    if calls:
        service = file_service(code, path)
        if service is None:
            names = ", ".join(sorted({m.group(1) for m in calls}))
            raise ExtractionError(
                f"{path}: sends {names} but names no service; construct its AWSJSONClient with an "
                "AWSService factory (.secretsManager(...), .ecs(...)) in the same file."
            )
        for m in calls:
            result.add(f"{service}:{m.group(1)}", f"{path}:{_line_of(code, m.start())}")

    for method, label, action, _why in IMPLIED_ACTIONS:
        for m in re.finditer(r"\." + re.escape(method) + r"\s*\(", code):
            if re.search(r"\b" + re.escape(label) + r"\s*:", _balanced_args(code, m.end() - 1)):
                result.add(action, f"{path}:{_line_of(code, m.start())} ({method} with {label}:)")


def extract(sources: Path) -> Extraction:
    """Scans every .swift file under `sources`."""
    files = sorted(sources.rglob("*.swift"))
    if not files:
        raise ExtractionError(f"no Swift files under {sources}")
    result = Extraction()
    for file in files:
        relative = str(file.relative_to(sources.parent)) if sources.parent in file.parents else str(file)
        extract_text(strip_comments(file.read_text(encoding="utf-8")), relative, result)
    if not result.actions:
        raise ExtractionError(
            f"found no AWS operation in {sources}: expected `transport.send(\"<Operation>\", ...)` calls "
            "in files that build their AWSJSONClient with .secretsManager(...) or .ecs(...). "
            "If the AWS module's call pattern changed, update deploy/checks/swift_aws_calls.py."
        )
    return result


def main(argv: list[str]) -> int:
    sources = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "Sources"
    try:
        result = extract(sources)
    except ExtractionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for action in sorted(result.actions):
        print(f"{action:45} {', '.join(result.actions[action])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
