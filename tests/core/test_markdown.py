"""Markdown rendering: what people write reads well, and no payload of the XSS corpus yields anything executable.

Each output is parsed with html.parser, and every element, attribute and URL is checked against what may
appear: the assertion does not rely on substrings that an obfuscated payload could avoid.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.template import engines
from django.utils.safestring import SafeString

from backend.core.markdown import render_markdown

ALLOWED = {
    "a": {"href", "title", "rel"},
    "blockquote": set(),
    "br": set(),
    "code": set(),
    "em": set(),
    "h1": set(),
    "h2": set(),
    "h3": set(),
    "h4": set(),
    "h5": set(),
    "h6": set(),
    "hr": set(),
    "li": set(),
    "ol": {"start"},
    "p": set(),
    "pre": set(),
    "s": set(),
    "span": {"class"},
    "strong": set(),
    "table": set(),
    "tbody": set(),
    "td": set(),
    "th": set(),
    "thead": set(),
    "tr": set(),
    "ul": set(),
}
SAFE_URL = re.compile(r"^(https?://|mailto:|/|#|\?|\.{0,2}/|[^:/?#]+(/|$|\?|#))", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class Inspector(HTMLParser):
    """Collects every element and attribute of an HTML fragment, and anything that is not plain markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.oddities: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.oddities.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.oddities.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.oddities.append(f"unknown declaration {data!r}")


def executable_constructs(output: str) -> list[str]:
    """Everything in ``output`` a browser could run or that could load something: empty when safe."""
    inspector = Inspector()
    inspector.feed(output)
    inspector.close()
    problems = list(inspector.oddities)
    for tag, attributes in inspector.elements:
        if tag not in ALLOWED:
            problems.append(f"element <{tag}>")
            continue
        for name, value in attributes.items():
            if name not in ALLOWED[tag]:
                problems.append(f"attribute {name} on <{tag}>")
            elif name == "href":
                # What a browser would resolve: entities decoded, control characters and spaces dropped.
                url = _CONTROL.sub("", html.unescape(value or ""))
                if not SAFE_URL.match(url):
                    problems.append(f"href {value!r}")
            elif name == "class" and value != "mention":
                problems.append(f"class {value!r}")
            elif name == "rel" and value != "noopener noreferrer nofollow":
                problems.append(f"rel {value!r}")
    return problems


XSS_CORPUS = [
    # script and style elements, raw and in disguise
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x20type='text/javascript'>alert(1);</script>",
    "<<script>alert(1);//<</script>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    '<a href="https://ok.example" onmouseover="alert(1)">hover</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<marquee onstart=alert(1)>",
    # dangerous URL schemes as HTML links
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    # Markdown links and images with dangerous schemes
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "![image](javascript:alert(1))",
    "![image](https://evil.example/track.png)",
    '![x" onerror="alert(1)](https://evil.example/x.png)',
    '[a](https://ok.example "title\\" onmouseover=alert(1) x=\\"")',
    # autolinks
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    # svg and math tricks
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">click</math>',
    # frames, objects, embeds, forms, meta, base
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    # comments, CDATA and nesting
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<div><p><a href=javascript:alert(1)><b>nested</b></a></p></div>",
    "**bold <img src=x onerror=alert(1)>** and _em <script>alert(1)</script>_",
    "> quote <script>alert(1)</script>\n> - list <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>` and\n\n```html\n<script>alert(1)</script>\n```",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    '@<script>alert(1)</script> and @jan"onmouseover=alert(1)',
    '<span class="mention" onclick="alert(1)">@x</span>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<a href="https://ok.example" target="_blank" style="position:fixed">x</a>',
]


def test_the_corpus_is_large_enough():
    assert len(XSS_CORPUS) >= 40


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_renders_anything_executable(payload):
    output = render_markdown(payload)

    assert isinstance(output, SafeString)
    assert executable_constructs(output) == []


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_the_template_filter_is_as_safe_as_the_function(payload):
    template = engines["django"].from_string("{% load ramec %}{{ text|markdown }}")

    assert executable_constructs(template.render({"text": payload})) == []


def test_the_inspector_itself_catches_what_it_must():
    """The check above would be worthless if it passed everything: it flags each kind of danger."""
    assert executable_constructs("<script>x</script>")
    assert executable_constructs('<a href="java&#x09;script:alert(1)">x</a>')
    assert executable_constructs('<p onclick="x">x</p>')
    assert executable_constructs("<!-- x -->")
    assert executable_constructs('<span class="evil">x</span>')
    assert executable_constructs('<a href="data:text/html,x">x</a>')


def test_text_reads_as_markdown():
    output = render_markdown("# Plan\n\n**Tučně**, _kurzívou_ a ~~škrtnuto~~.\n\n- jedna\n- dvě\n\n1. první")

    assert "<h1>Plan</h1>" in output
    assert "<strong>Tučně</strong>" in output and "<em>kurzívou</em>" in output and "<s>škrtnuto</s>" in output
    assert "<ul>" in output and "<ol>" in output


def test_single_line_breaks_are_kept_as_people_type_them():
    assert render_markdown("první řádek\ndruhý řádek") == "<p>první řádek<br>\ndruhý řádek</p>\n"


def test_links_open_safely_and_keep_their_target():
    output = render_markdown(
        "[výzva](https://irop.mmr.cz/cs/vyzvy) a [mail](mailto:info@vzorov.cz) a [detail](/projects/3/)"
    )

    assert '<a href="https://irop.mmr.cz/cs/vyzvy" rel="noopener noreferrer nofollow">výzva</a>' in output
    assert '<a href="mailto:info@vzorov.cz" rel="noopener noreferrer nofollow">mail</a>' in output
    assert '<a href="/projects/3/" rel="noopener noreferrer nofollow">detail</a>' in output


def test_images_are_not_embedded_but_shown_as_a_link():
    output = render_markdown("![mapa](https://example.cz/mapa.png)")

    assert "<img" not in output
    assert 'href="https://example.cz/mapa.png"' in output and "mapa" in output


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;ahoj&lt;/b&gt;" in render_markdown("<b>ahoj</b>")


def test_mentions_stand_out_but_not_in_code_or_e_mail_addresses():
    output = render_markdown("Díky @pm.novak, viz `@nikdo` a info@vzorov.cz")

    assert '<span class="mention">@pm.novak</span>' in output
    assert "<code>@nikdo</code>" in output
    assert "info@vzorov.cz" in output and output.count("mention") == 1


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
