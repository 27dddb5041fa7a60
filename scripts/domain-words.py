#!/usr/bin/env python3
"""Counts string literals that spell a domain word in the Rust code outside src/domain.

The domain words are the stored values of the enums in src/domain: roles, notice states,
list kinds, inspection kinds, severities and complaint states (issue 12, item 2). A literal
counts when its whole text is one of those words ("red", "overdue", "merchant", ...). Comments
and doc comments are skipped; byte strings and char literals are skipped.

Each counted literal falls in one group:
  code        ordinary code: what the enums are meant to replace
  attribute   inside #[...] (serde / strum / utoipa attributes, e.g. an API tag "committee")
  test        inside a #[cfg(test)] module
Literals that hold longer text with a single-quoted word in it ('overdue' inside SQL, 'none'
in the Content-Security-Policy) are counted apart as "quoted", once per quoted word.

A word literal in "code" may mean something else that happens to share the spelling (the
audit log's entity "merchant", the English text "none"): run with --list to see each one.

Usage: scripts/domain-words.py [--list] [ROOT]   (ROOT defaults to the repository's src/)
"""

import collections
import os
import re
import sys

WORDS = {
    "role": ["admin", "committee", "inspector", "merchant"],
    "notice state": ["issued", "emailed", "read", "answered", "verified", "overdue"],
    "list": ["none", "red", "black"],
    "inspection kind": ["routine", "follow_up", "complaint", "self_check"],
    "severity": ["minor", "major", "serious"],
    "complaint state": ["new", "verified", "dismissed"],
}
ALL = {w for ws in WORDS.values() for w in ws}
SQL_WORD = re.compile(r"'(" + "|".join(sorted(ALL)) + r")'")


def literals(src):
    """Yields (line, text, in_attribute, in_test) for each string literal of `src`."""
    i, n, line = 0, len(src), 1
    depth = 0  # brace depth
    attr_depth = None  # bracket depth inside #[...], or None
    brackets = 0
    pending_test = False  # saw #[cfg(test)], waiting for the item's opening brace
    test_until = None  # brace depth that ends the test module
    attr_start = None
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            level, i = 1, i + 2
            while i < n and level:
                if src.startswith("/*", i):
                    level, i = level + 1, i + 2
                elif src.startswith("*/", i):
                    level, i = level - 1, i + 2
                else:
                    line += src[i] == "\n"
                    i += 1
            continue
        m = re.match(r'(b?)r(#*)"', src[i:i + 70]) if c in "br" else None
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = '"' + m.group(2)
            j = src.find(end, i + len(m.group(0)))
            text = src[i + len(m.group(0)):j]
            if not m.group(1):
                yield line, text, attr_depth is not None, test_until is not None
            line += text.count("\n")
            i = j + len(end)
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i) and not (src[i - 1].isalnum() or src[i - 1] == "_")):
            is_bytes = c == "b"
            j = i + (2 if is_bytes else 1)
            buf = []
            while src[j] != '"':
                if src[j] == "\\":
                    buf.append(src[j:j + 2])
                    j += 2
                else:
                    buf.append(src[j])
                    j += 1
            text = "".join(buf)
            if not is_bytes:
                yield line, text, attr_depth is not None, test_until is not None
            line += text.count("\n")
            i = j + 1
            continue
        if c == "'":
            if src.startswith("\\", i + 1):
                j = src.find("'", i + 3)
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                i += 3
            else:
                i += 1  # a lifetime
            continue
        if c == "#" and (src.startswith("#[", i) or src.startswith("#![", i)):
            if attr_depth is None:
                attr_depth = brackets
                attr_start = i
            i += 1
            continue
        if c == "[":
            brackets += 1
        elif c == "]":
            brackets -= 1
            if attr_depth is not None and brackets == attr_depth:
                attr = src[attr_start:i + 1]
                if re.fullmatch(r"#!?\[\s*cfg\s*\(\s*test\s*\)\s*\]", attr):
                    pending_test = True
                attr_depth = None
        elif c == "{":
            depth += 1
            if pending_test and test_until is None:
                test_until = depth - 1
            pending_test = False
        elif c == "}":
            depth -= 1
            if test_until is not None and depth == test_until:
                test_until = None
        elif c == ";" and attr_depth is None:
            pending_test = False  # #[cfg(test)] on an item without a body (use, const)
        i += 1


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--list" in sys.argv
    here = os.path.dirname(os.path.abspath(__file__))
    root = args[0] if args else os.path.join(here, "..", "src")
    groups = collections.Counter()
    per_word = collections.Counter()
    listed = []
    for dirpath, dirnames, files in os.walk(root):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == "domain" or rel_dir.startswith("domain" + os.sep):
            continue
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8") as fh:
                src = fh.read()
            for line, text, in_attr, in_test in literals(src):
                if text in ALL:
                    group = "attribute" if in_attr else "test" if in_test else "code"
                    groups[group] += 1
                    if group == "code":
                        per_word[text] += 1
                        listed.append(f"{os.path.relpath(path, os.path.join(root, '..'))}:{line}: \"{text}\"")
                else:
                    groups["quoted"] += len(SQL_WORD.findall(text))
    print(f"domain-word literals outside src/domain: {sum(groups[g] for g in ('code', 'attribute', 'test'))}")
    for g in ("code", "attribute", "test", "quoted"):
        print(f"  {g:10} {groups[g]}")
    if per_word:
        print("  code, by word: " + ", ".join(f"{w} {c}" for w, c in per_word.most_common()))
    if show:
        print("\n".join(listed))


if __name__ == "__main__":
    main()
