#!/usr/bin/env python3
"""Checks the documentation people read:
  - every relative link in README.md and docs/*.md (and the Markdown files they link to) resolves to
    a file in the repository, and every `#anchor` to a heading of the target (GitHub's slugs);
  - README.md stays under 300 lines.

Usage: deploy/checks/docs_check.py   (exit 1 on any broken link or a long README)
"""
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
README_MAX_LINES = 300
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    found, fenced = set(), False
    counts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = re.match(r"#{1,6}\s+(.*?)\s*#*$", line)
        if match and not fenced:
            base = slug(match.group(1))
            n = counts.get(base, 0)
            counts[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(path):
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for match in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            yield number, match.group(1) or match.group(2)


def main():
    problems = []
    queue = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
    checked = set()
    while queue:
        page = queue.pop()
        if page in checked or not page.exists():
            continue
        checked.add(page)
        for number, target in links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(REPO)}:{number}"
            if not resolved.exists():
                problems.append(f"{where}: {target} does not exist")
                continue
            if REPO not in resolved.parents and resolved != REPO:
                problems.append(f"{where}: {target} points outside the repository")
                continue
            if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                problems.append(f"{where}: no heading #{anchor} in {resolved.relative_to(REPO)}")
            if resolved.suffix == ".md":
                queue.append(resolved)
    readme_lines = len((REPO / "README.md").read_text(encoding="utf-8").splitlines())
    if readme_lines >= README_MAX_LINES:
        problems.append(f"README.md has {readme_lines} lines (keep it under {README_MAX_LINES}; details go under docs/)")
    for problem in problems:
        print("docs:", problem, file=sys.stderr)
    print(f"docs: {len(checked)} Markdown files, README {readme_lines} lines, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
