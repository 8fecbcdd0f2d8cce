"""Markdown that people write (descriptions, comments, summaries) rendered to HTML that is safe to show.

Two layers, each enough on its own for the usual attacks: markdown-it-py (CommonMark, raw HTML disabled, so
``<script>`` stays text) and then nh3, an HTML sanitiser with an explicit allow-list of tags, attributes and
URL schemes (http, https, mailto and relative links only). Links get ``rel="noopener noreferrer nofollow"``.

No images: a picture from another server would tell it who read the page and when (and the CSP blocks
it anyway); pictures belong in attachments. ``![text](url)`` therefore shows as a link to the picture.
@mentions are marked up so that they stand out; they are never links (a name is not a permission).
"""

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

from backend.core.text import MENTION_PATTERN

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# nh3 keeps exactly these classes (and no other class) on these tags.
ALLOWED_CLASSES = {"span": {"mention"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def _mentions(state) -> None:
    """Split text tokens at @mentions (never inside code or link addresses: those are not text tokens)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "text" or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION_PATTERN.finditer(token.content):
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                mention = Token("mention", "", 0)
                mention.content = match.group(1)
                children.append(mention)
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _render_mention(renderer, tokens, index, options, env) -> str:
    return f'<span class="mention">@{escape(tokens[index].content)}</span>'


def _build() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    parser.enable(["table", "strikethrough"])
    parser.disable("image")
    parser.core.ruler.push("ramec_mentions", _mentions)
    parser.add_render_rule("mention", _render_mention)
    return parser


_PARSER = _build()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    clean_content_tags={"script", "style"},
)


def render_markdown(text: str | None) -> SafeString:
    """Markdown → sanitised HTML, ready for a template (or an HTML e-mail)."""
    if not text:
        return mark_safe("")
    html = _PARSER.render(str(text))
    cleaned = _CLEANER.clean(html)
    return mark_safe(cleaned)  # noqa: S308 - nh3 just removed everything outside the allow-list
