#!/usr/bin/env python3
"""Moves the web layer's `(key, zh-CN, en)` message tuples into the Fluent catalogues.

Run from the repository root:  python3 scripts/extract_messages.py

It is safe to run again (after a merge brings tuples or old keys back); each run:

1. finds every `pub const MESSAGES` / `pub const CATALOG: &[(&str, &str, &str)]` under `src/`,
   turns each tuple into a Fluent message and appends the ones a catalogue does not define yet to
   `locales/zh-CN/<area>.ftl` and `locales/en/<area>.ftl` (area: the module's name, `site` for the
   old site-wide CATALOG); an id already defined keeps its catalogue text (a differing tuple is
   reported, not applied);
2. deletes those consts (with the doc comment above each) from the Rust files;
3. rewrites the old dotted keys where the web layer and the templates use them — a string literal
   `"nav.red"` becomes `"nav-red"` when the catalogue defines `nav-red`, and a key family
   `"role.{…"` becomes `"role-{…"` (reported: the code filling in the family must produce the
   kebab-case rest itself).

Ids are the old keys in kebab case: dots and underscores become hyphens (Fluent ids cannot contain
dots). `{name}` placeholders become Fluent variables `{ $name }`.
Only `src/web/`, `src/i18n/`, `src/mail/` and `templates/` are rewritten: services and the
database use dotted names of their own (audit actions such as `notice.overdue`).
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGS = ["zh-CN", "en"]  # the order of the tuple's texts
CONST = re.compile(
    r"^((?:[ \t]*///[^\n]*\n)*)pub const (MESSAGES|CATALOG): &\[\(&str, &str, &str\)\] = &\[\n(.*?)^\];\n",
    re.M | re.S,
)
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
DOTTED = re.compile(r'"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"')
FAMILY = re.compile(r'"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\.\{')
FTL_ID = re.compile(r"^([a-zA-Z][a-zA-Z0-9_-]*)[ \t]*=", re.M)
REWRITTEN_DIRS = ["src/web", "src/i18n", "src/mail", "templates"]


def kebab(key):
    return key.replace(".", "-").replace("_", "-")


def unescape(s):
    """The value of a Rust string literal's body (the escapes these consts use)."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n == "u":
            end = s.index("}", i)
            out.append(chr(int(s[i + 3 : end], 16)))
            i = end + 1
            continue
        out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}[n])
        i += 2
    return "".join(out)


def fluent_value(text):
    """A Fluent pattern that renders exactly `text` (placeholders `{name}` become variables)."""
    if text == "":
        return '{""}'
    parts = re.split(r"(\{[a-z_]+\})", text)
    out = []
    for p in parts:
        m = re.fullmatch(r"\{([a-z_]+)\}", p)
        if m:
            out.append("{ $" + m.group(1) + " }")
        else:
            out.append(p.replace("{", '{"{"}').replace("}", '{"}"}'))
    value = "".join(out)
    # Fluent trims a value's outer blanks: keep them as string literals.
    lead = len(value) - len(value.lstrip(" "))
    trail = len(value) - len(value.rstrip(" "))
    if lead:
        value = '{"' + " " * lead + '"}' + value[lead:]
    if trail:
        value = value[: len(value) - trail] + '{"' + " " * trail + '"}'
    if "\n" in value:
        value = "\n    " + value.replace("\n", "\n    ")
    return value


def area_of(path, const):
    if const == "CATALOG":
        return "site"
    rel = os.path.relpath(path, os.path.join(ROOT, "src"))
    parts = rel[:-3].split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts[-1]


def rust_files(dirs):
    for d in dirs:
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                yield os.path.join(base, f)


def read_ids(path):
    if not os.path.exists(path):
        return {}
    text = open(path, encoding="utf-8").read()
    ids = {}
    for m in FTL_ID.finditer(text):
        line_end = text.find("\n", m.end())
        ids[m.group(1)] = text[m.end() : line_end if line_end >= 0 else len(text)].strip()
    return ids


def all_ids(langs=LANGS):
    ids = set()
    for lang in langs:
        d = os.path.join(ROOT, "locales", lang)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.endswith(".ftl"):
                    ids.update(read_ids(os.path.join(d, f)))
    return ids


def extract():
    """Steps 1 and 2: move the tuples to the catalogues and delete the consts."""
    moved, kept = 0, 0
    seen = {}
    for path in rust_files(["src"]):
        if not path.endswith(".rs"):
            continue
        text = open(path, encoding="utf-8").read()
        found = list(CONST.finditer(text))
        if not found:
            continue
        for m in found:
            area = area_of(path, m.group(2))
            body = m.group(3)
            entries = []  # (comment lines, key, [texts])
            comments = []
            pending = []
            for line in body.split("\n"):
                stripped = line.strip()
                if stripped.startswith("//"):
                    comments.append(stripped.lstrip("/").strip())
                    continue
                pending.extend(unescape(s) for s in STRING.findall(line))
                while len(pending) >= 3:
                    key, zh, en = pending[:3]
                    pending = pending[3:]
                    entries.append((comments, key, [zh, en]))
                    comments = []
            if pending:
                sys.exit(f"{path}: an incomplete tuple {pending!r}")
            for lang_index, lang in enumerate(LANGS):
                ftl = os.path.join(ROOT, "locales", lang, area + ".ftl")
                os.makedirs(os.path.dirname(ftl), exist_ok=True)
                existing = read_ids(ftl)
                others = all_ids([lang]) - set(existing)
                lines = []
                for comments, key, texts in entries:
                    fid = kebab(key)
                    if fid in seen and seen[fid] != key:
                        sys.exit(f"ids collide: {seen[fid]!r} and {key!r} are both {fid!r}")
                    seen[fid] = key
                    value = fluent_value(texts[lang_index])
                    if fid in existing or fid in others:
                        if fid in existing and existing[fid] != value.strip():
                            print(f"kept {lang}/{area}.ftl {fid} = {existing[fid]!r} (tuple: {value!r})")
                        kept += lang_index == 0
                        continue
                    lines.extend("# " + c for c in comments)
                    lines.append(f"{fid} = {value}")
                    moved += lang_index == 0
                if lines:
                    with open(ftl, "a", encoding="utf-8") as out:
                        if not existing and os.path.getsize(ftl) == 0:
                            out.write(f"## {area}\n\n")
                        out.write("\n".join(lines) + "\n")
        text = CONST.sub("", text)
        # A blank line left doubled where a const was.
        text = re.sub(r"\n\n\n+", "\n\n", text)
        open(path, "w", encoding="utf-8").write(text)
        print(f"extracted {len(found)} const(s) from {os.path.relpath(path, ROOT)}")
    print(f"{moved} messages moved, {kept} already in the catalogues")


def rewrite():
    """Step 3: the old dotted keys at their call sites."""
    ids = all_ids()
    prefixes = {i.rsplit("-", 1)[0] for i in ids if "-" in i}
    changed = 0
    for path in rust_files(REWRITTEN_DIRS):
        if path.startswith(os.path.join(ROOT, "templates", "email")):
            continue
        if not path.endswith((".rs", ".html", ".txt")):
            continue
        text = open(path, encoding="utf-8").read()

        def key(m):
            new = kebab(m.group(1))
            return f'"{new}"' if new in ids else m.group(0)

        def family(m):
            new = kebab(m.group(1))
            if new in prefixes or any(i.startswith(new + "-") for i in ids):
                print(f"key family {m.group(1)}.{{…}} -> {new}-{{…}} in {os.path.relpath(path, ROOT)}")
                return f'"{new}-{{'
            return m.group(0)

        new = FAMILY.sub(family, DOTTED.sub(key, text))
        if new != text:
            open(path, "w", encoding="utf-8").write(new)
            changed += 1
    print(f"rewrote keys in {changed} files")


if __name__ == "__main__":
    os.chdir(ROOT)
    extract()
    rewrite()
