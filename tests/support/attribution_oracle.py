"""The attribution oracle's Python half: render a whole This Week in Rust issue with
Python-Markdown as the site's pelicanconf.py configures it (extensions extra, meta, toc,
codehilite; output_format html5) and judge the Crate and Quote of the Week entries in it.

Protocol (JSON, one object per line):
- stdin line 1: {"frame": [before, between, after]}: the issue around the two entries.
- each further line: {"id", "crate", "quote", "cm_crate", "cm_quote", "allowed"}: the two
  entries' markdown, their HTML under CommonMark (already cut out of the issue by the caller),
  and the link destinations allowed in them.
- stdout, one line per case: {"id", "problems": [...]}: empty when the issue renders as it
  does around harmless paragraphs, both entries hold only p, blockquote, a, code, em, strong
  and br with allowed links, and their visible text is the same under both renderers.
Exit 3 at once when the markdown package (or Pygments, for codehilite) is missing.
"""
import json
import re
import sys
from html.parser import HTMLParser
from urllib.parse import unquote

try:
    import markdown
    import pygments  # noqa: F401  (codehilite highlights with it)
except ImportError:
    sys.exit(3)

HARMLESS_CRATE = "HARMLESSCRATE"
HARMLESS_QUOTE = "HARMLESSQUOTE"
ALLOWED_TAGS = {"p", "blockquote", "a", "code", "em", "strong", "br"}

MD = markdown.Markdown(
    extensions=["extra", "meta", "toc", "codehilite"], output_format="html5"
)


def render(text):
    MD.reset()
    return MD.convert(text)


class Section(HTMLParser):
    """The problems of a piece of HTML and its visible text."""

    def __init__(self, allowed):
        super().__init__(convert_charrefs=True)
        # CommonMark's HTML percent-encodes what Python-Markdown writes as it is.
        self.allowed = {unquote(a) for a in allowed}
        self.problems = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        if tag == "br":
            self.text.append(" ")
        for name, value in attrs:
            if (tag, name) != ("a", "href"):
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            elif unquote(value or "") not in self.allowed:
                self.problems.append(f"link to {value!r}")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.problems.append("an HTML comment")

    def handle_decl(self, decl):
        self.problems.append("a declaration")

    def handle_pi(self, data):
        self.problems.append("a processing instruction")

    def unknown_decl(self, data):
        self.problems.append("an unknown declaration")


def judge(html, allowed, who):
    s = Section(allowed)
    s.feed(html)
    s.close()
    text = re.sub(r"\s+", " ", "".join(s.text)).strip()
    return [f"{who}: {p}" for p in s.problems], text


def main():
    frame = json.loads(sys.stdin.readline())["frame"]
    before, between, after = frame
    harmless = render(before + HARMLESS_CRATE + between + HARMLESS_QUOTE + after)
    a, rest = harmless.split(f"<p>{HARMLESS_CRATE}</p>")
    b, c = rest.split(f"<p>{HARMLESS_QUOTE}</p>")
    for line in sys.stdin:
        case = json.loads(line)
        problems = []
        html = render(before + case["crate"] + between + case["quote"] + after)
        middle = html[len(a):len(html) - len(c)] if html.startswith(a) and html.endswith(c) else None
        at = middle.find(b) if middle is not None else -1
        if at < 0:
            problems.append("the rest of the issue renders differently under Python-Markdown")
        else:
            allowed = set(case["allowed"])
            for who, pm_html, cm_html in (
                ("crate", middle[:at], case["cm_crate"]),
                ("quote", middle[at + len(b):], case["cm_quote"]),
            ):
                pm_problems, pm_text = judge(pm_html, allowed, f"{who} under Python-Markdown")
                cm_problems, cm_text = judge(cm_html, allowed, f"{who} under CommonMark")
                problems += pm_problems + cm_problems
                if pm_text != cm_text:
                    problems.append(
                        f"{who}: visible text differs\n  Python-Markdown: {pm_text!r}\n  CommonMark:      {cm_text!r}"
                    )
                if problems:
                    problems.append(f"{who} HTML under Python-Markdown: {pm_html!r}")
        print(json.dumps({"id": case["id"], "problems": problems}), flush=True)


if __name__ == "__main__":
    print(f"python-markdown {markdown.__version__}", file=sys.stderr)
    main()
