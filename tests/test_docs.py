"""The documentation matches the code: every command and setting is documented, README stays a README, and no
link leaves the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from claimflow.cli.main import app
from claimflow.settings import Settings

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
README_MAX_BYTES = 20 * 1024

# Links to the web are refused: a reader of the repository must find everything in it. Add an address here only for
# a standard or a licence that cannot be shipped (none today).
ALLOWED_URLS: frozenset[str] = frozenset()



def doc_files() -> list[Path]:
    return [README, *sorted((REPO / "docs").glob("*.md"))]


def docs_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in doc_files())


def cli_commands() -> Iterator[str]:
    """Every leaf command of the CLI as typed after `claimflow`, sub-groups included (`audit verify`)."""

    def walk(command: object, path: tuple[str, ...]) -> Iterator[str]:
        children = getattr(command, "commands", None)
        if children is None:
            yield " ".join(path)
            return
        for name, child in sorted(children.items()):
            if not getattr(child, "hidden", False):
                yield from walk(child, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def setting_names() -> list[str]:
    return [f"CLAIMFLOW_{name.upper()}" for name in Settings.model_fields]


def test_the_walk_finds_commands_of_sub_groups() -> None:
    commands = set(cli_commands())
    assert {"process", "audit verify", "audit verify-bundle", "db upgrade"} <= commands
    assert "audit" not in commands  # a group is not a command


@pytest.mark.parametrize("command", sorted(cli_commands()))
def test_every_command_is_documented(command: str) -> None:
    words = r"\s+".join(re.escape(word) for word in command.split())
    assert re.search(rf"claimflow\s+{words}(?![\w-])", docs_text()), (
        f"`claimflow {command}` appears in neither README.md nor docs/*.md: add it to README's command table"
    )


# Environment variables the docs name that are not settings of claimflow/settings.py, each for a reason.
NOT_SETTINGS = frozenset({
    "CLAIMFLOW_TEST_PG_URL",  # the PostgreSQL the tests use (tests/conftest.py)
    "CLAIMFLOW_SCREENSHOTS",  # where `make screenshots` saves the console's pages
    "CLAIMFLOW_DB_PASSWORD", "CLAIMFLOW_S3_SECRET",  # compose.yaml's .env, turned into settings by compose.yaml
})


def test_every_setting_the_docs_name_exists() -> None:
    known = set(setting_names()) | NOT_SETTINGS
    stale = {
        f"{path.relative_to(REPO)}: {m.group(1)}"
        for path in doc_files()
        for m in re.finditer(r"(CLAIMFLOW_[A-Z0-9_]*[A-Z0-9])(_?\*)?", path.read_text(encoding="utf-8"))
        if not m.group(2) and m.group(1) not in known  # CLAIMFLOW_S3_* names a family, not one setting
    }
    assert not stale, f"not a setting of claimflow/settings.py (renamed or removed?): {sorted(stale)}"


def code_lines(text: str) -> Iterator[str]:
    """Lines of fenced blocks and inline code spans, shell comments cut off: where commands are written."""
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M):
        yield from (line.split(" #")[0] for line in block.splitlines())
    yield from (span.split(" #")[0] for span in re.findall(r"`([^`\n]+)`", _strip_fences(text)))


def test_every_command_the_docs_name_exists() -> None:
    commands = set(cli_commands())
    groups = {command.split()[0] for command in commands if " " in command}
    unknown = set()
    for path in doc_files():
        for line in code_lines(path.read_text(encoding="utf-8")):
            for m in re.finditer(r"(?:^|[\s;&|(/])claimflow((?:\s+[a-z][a-z-]*){1,2})", line):
                words = m.group(1).split()
                named = " ".join(words[:2]) if words[0] in groups and len(words) > 1 else words[0]
                if named not in commands and named not in groups:
                    unknown.add(f"{path.relative_to(REPO)}: claimflow {named}")
    assert not unknown, f"no such command (renamed or removed?): {sorted(unknown)}"


@pytest.mark.parametrize("setting", setting_names())
def test_every_setting_is_documented(setting: str) -> None:
    assert re.search(rf"{setting}(?![A-Z0-9_])", docs_text()), (
        f"{setting} (claimflow/settings.py) appears in neither README.md nor docs/*.md: add it to README's settings"
    )


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    data = README.read_bytes()
    assert len(data) <= README_MAX_BYTES, f"README.md is {len(data)} bytes, over {README_MAX_BYTES}"
    lines = [line.strip() for line in data.decode("utf-8").splitlines()[:8]]
    commands = [line for line in lines if line and not line.startswith(("#", "```"))]
    assert commands[:2] == ["make demo", "make test"], f"README.md should open with the two commands, not {commands}"


def _strip_fences(text: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)


def _strip_code(text: str) -> str:
    """Fenced blocks and inline code hold commands and example payloads, not links."""
    return re.sub(r"`[^`\n]*`", "", _strip_fences(text))


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
BARE_URL = re.compile(r"(?<![(<\w])((?:https?|ftp)://[^\s)>\]]+)")


def links(text: str) -> list[str]:
    prose = _strip_code(text)
    found = [m.group(1) for pattern in (LINK, REFERENCE, AUTOLINK) for m in pattern.finditer(prose)]
    found += [m.group(1) for m in BARE_URL.finditer(LINK.sub("", prose))]
    return found


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _strip_code(path.read_text(encoding="utf-8")), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_the_link_finder_sees_what_it_must() -> None:
    text = "see [a](docs/a.md#x), ![i](s.png), <https://x.org/>, https://y.org/z and `[c](http://code.example)`\n" \
        "```\n[d](../shared/x)\n```\n[ref]: ../out.md\n"
    assert sorted(links(text)) == sorted(["docs/a.md#x", "s.png", "https://x.org/", "https://y.org/z", "../out.md"])


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_link_leaves_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "/work/shared" not in text, (
        f"{path.name} names a path outside the repository (../shared): a reader does not have it; name the data set "
        "instead (e.g. SROIE_DEV, a folder of SROIE receipts)"
    )
    problems = []
    for target in links(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            if target not in ALLOWED_URLS:
                problems.append(f"{target}: leaves the repository")
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        try:
            relative = resolved.relative_to(REPO).as_posix()
        except ValueError:
            problems.append(f"{target}: outside the repository")
            continue
        if not resolved.exists():
            problems.append(f"{target}: no such file")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {relative}")
    assert not problems, f"{path.relative_to(REPO)}:\n  " + "\n  ".join(problems)


def test_the_docs_index_lists_every_document() -> None:
    index = REPO / "docs" / "README.md"
    linked = {(index.parent / target.partition("#")[0]).resolve() for target in links(index.read_text(encoding="utf-8"))}
    missing = [p.name for p in sorted((REPO / "docs").glob("*.md")) if p != index and p.resolve() not in linked]
    assert not missing, f"docs/README.md does not list {missing}"
