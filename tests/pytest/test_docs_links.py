"""The documentation holds together: every relative link in README.md and docs/**/*.md points to a file that
exists and, when it names a heading, to a heading that exists; the README stays a front door (a table of
contents, the two commands, small enough to read)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOC_FILES = [README, *sorted((ROOT / "docs").rglob("*.md"))]

# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
README_MAX_BYTES = 12 * 1024


def _prose_lines(path):
    """The lines outside fenced code blocks, where Markdown renders links and headings."""
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield line


def _anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path):
    seen = {}
    anchors = set()
    for line in _prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        base = _anchor(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.add(base if count == 0 else f"{base}-{count}")
    return anchors


def _links(path):
    for line in _prose_lines(path):
        # Inline code may show link syntax without being a link.
        yield from LINK.findall(re.sub(r"`[^`]*`", "", line))


def _relative_links():
    for path in DOC_FILES:
        for target in _links(path):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # http:, https:, mailto: leave the repository
            yield path, target


def test_the_documentation_has_links_to_check():
    assert README.exists()
    assert len(DOC_FILES) > 5, "expected the docs/ pages beside the README"
    assert sum(1 for _ in _relative_links()) > 50


@pytest.mark.parametrize(
    "path, target",
    list(_relative_links()),
    ids=lambda value: value if isinstance(value, str) else str(value.relative_to(ROOT)),
)
def test_every_relative_link_resolves(path, target):
    file_part, _, fragment = target.partition("#")
    linked = (path.parent / file_part).resolve() if file_part else path
    assert linked.exists(), f"{path.relative_to(ROOT)} links to {target}: no such file"
    assert ROOT in linked.parents or linked == ROOT, f"{target} leaves the repository"
    if fragment:
        assert linked.suffix == ".md", f"{target}: an anchor into a file that is not Markdown"
        anchors = _anchors(linked)
        assert fragment in anchors, (
            f"{path.relative_to(ROOT)} links to {target}: no heading with anchor #{fragment} in "
            f"{linked.relative_to(ROOT)} (headings: {', '.join(sorted(anchors))})"
        )


def test_the_readme_is_a_front_door():
    text = README.read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference text to docs/"
    assert re.search(r"^## Contents$", text, re.MULTILINE), "README.md has no table of contents"
    # Every entry of the table of contents is a heading of the README.
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    entries = re.findall(r"\]\(#([^)]+)\)", contents)
    assert len(entries) >= 5
    assert set(entries) <= _anchors(README)
    for command in ("make demo", "make test"):
        assert re.search(rf"^{command}\s", text, re.MULTILINE), f"README.md does not show `{command}`"
    assert "docs/img/" in text, "README.md shows no picture"


def test_every_docs_page_is_reachable_from_the_readme():
    reachable = set()
    frontier = [README]
    while frontier:
        page = frontier.pop()
        if page in reachable:
            continue
        reachable.add(page)
        for target in _links(page):
            file_part = target.partition("#")[0]
            if not file_part or re.match(r"^[a-z][a-z0-9+.-]*:", file_part, re.IGNORECASE):
                continue
            linked = (page.parent / file_part).resolve()
            if linked.suffix == ".md" and linked.exists():
                frontier.append(linked)
    orphans = [str(path.relative_to(ROOT)) for path in DOC_FILES if path not in reachable]
    assert not orphans, f"docs pages no link from the README leads to: {orphans}"


def test_no_reference_to_documents_outside_the_repository():
    # The design's background documents are not in the repository: name the method, not the document.
    pattern = re.compile(r"\bseed 00\d\b|\bseeds? 00\d\b", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in DOC_FILES
        if path.name != "benchmarks.md"  # written by `segmentation bench`
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_every_picture_in_docs_img_is_shown_somewhere():
    linked = set()
    for path in DOC_FILES:
        for target in _links(path):
            file_part = target.partition("#")[0]
            if file_part and not re.match(r"^[a-z][a-z0-9+.-]*:", file_part, re.IGNORECASE):
                linked.add((path.parent / file_part).resolve())
    pictures = sorted((ROOT / "docs" / "img").glob("*.png"))
    assert pictures
    unshown = [picture.name for picture in pictures if picture.resolve() not in linked]
    assert not unshown, f"pictures no README or docs page shows: {unshown}"
