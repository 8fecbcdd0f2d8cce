"""Text normalisation shared by every way data comes in (API, web forms, admin, import)."""

import re
import unicodedata

# An @mention in a comment: "@" not preceded by a word character, "." or "@" (so no e-mail address), then a
# user name (letters, digits, "_", ".", "-", ending on a word character). The one Python copy: comments'
# mentions (backend.projects.services) and their Markdown (backend.core.markdown) use it; the autocomplete's
# trigger in static/ramec/mentions.js follows the same shape (tests/core/test_text.py checks they agree).
MENTION_PATTERN = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][\w.\-]*[\w])")


def single_line(value: str) -> str:
    """A one-line name as people see it: no invisible characters, no line breaks, no outer spaces.

    Drops every format character (Unicode category Cf: bidi overrides and isolates such as U+202E,
    zero-width space and joiners, the BOM, soft hyphens), which can reorder or hide what a title says,
    and turns control characters (line breaks, tabs) into spaces.
    """
    kept = []
    for character in value:
        category = unicodedata.category(character)
        if category == "Cf":
            continue
        kept.append(" " if category == "Cc" else character)
    return "".join(kept).strip()


def _invisible_or_space(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) == "Cf"


def trimmed(value: str) -> str:
    """A text (a comment, a reason) without the spaces and invisible characters around it.

    ``str.strip`` keeps format characters (zero-width spaces, bidi overrides, the BOM), so a reason of only
    those would count as given while showing nothing. Inside the text they stay: a joiner belongs to an emoji.
    """
    start, end = 0, len(value)
    while start < end and _invisible_or_space(value[start]):
        start += 1
    while end > start and _invisible_or_space(value[end - 1]):
        end -= 1
    return value[start:end]
