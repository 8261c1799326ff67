"""Render attribution markdown with Python-Markdown as This Week in Rust's site does
(pelicanconf.py: extensions extra, meta, toc) and refuse anything but text, emphasis, code,
quotes, lists, headings and links to the destinations the caller allows.

Input: a JSON file, a list of {"markdown": str, "allowed": [destinations]}.
Exit 0 when every case is safe; 1 with the offending cases printed otherwise;
3 when the markdown module is missing (the caller decides whether that is a skip).
"""
import json
import sys
from html.parser import HTMLParser

try:
    import markdown
except ImportError:
    sys.exit(3)

ALLOWED_TAGS = {
    "p", "a", "code", "em", "strong", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "br", "hr", "pre", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td",
}
# Attributes the renderer itself adds: heading ids (toc), table alignment.
ALLOWED_ATTRS = {("a", "href"), ("th", "style"), ("td", "style"),
                 ("h1", "id"), ("h2", "id"), ("h3", "id"), ("h4", "id"), ("h5", "id"), ("h6", "id")}


class Checker(HTMLParser):
    def __init__(self, allowed):
        super().__init__(convert_charrefs=True)
        self.allowed = set(allowed)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if (tag, name) not in ALLOWED_ATTRS:
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            elif name == "href" and value not in self.allowed:
                self.problems.append(f"link to {value!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.problems.append("an HTML comment")

    def handle_decl(self, decl):
        self.problems.append("a declaration")

    def handle_pi(self, data):
        self.problems.append("a processing instruction")


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    bad = 0
    for case in cases:
        html = markdown.markdown(case["markdown"], extensions=["extra", "meta", "toc"])
        checker = Checker(case["allowed"])
        checker.feed(html)
        checker.close()
        if checker.problems:
            bad += 1
            if bad <= 20:
                print("UNSAFE:", "; ".join(checker.problems))
                print("  markdown:", repr(case["markdown"]))
                print("  html:    ", repr(html))
    print(f"python-markdown {markdown.__version__}: {len(cases)} attributions, {bad} unsafe")
    sys.exit(1 if bad else 0)


main()
