#!/usr/bin/python3
"""The search page in a real browser: Debian's chromium, headless, loads
forum-serve's page for a Simplified and a Traditional query and a
thread, and the DOM it built holds the highlighted results. Exit 77
(skipped) when chromium is not installed.

usage: browser_test.py FORUM-SERVE FORUM-INDEX SAMPLES WORKDIR
"""
import html.parser
import os
import shutil
import subprocess
import sys
import urllib.parse

from serveutil import Server

SERVE, INDEX, SAMPLES, WORK = sys.argv[1:5]
browser = shutil.which("chromium")
if browser is None:
    print("chromium is not installed (apt-get install chromium): skipped")
    sys.exit(77)

failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.marks, self.in_mark, self.tags = [], False, set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "mark":
            self.in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self.in_mark = False

    def handle_data(self, data):
        if self.in_mark:
            self.marks[-1] += data


def dump_dom(url):
    """The DOM chromium built for url (one retry: a cold start on a busy
    machine can time out)."""
    profile = os.path.join(WORK, "profile")
    for _ in range(2):
        shutil.rmtree(profile, ignore_errors=True)
        try:
            r = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--no-first-run",
                 "--user-data-dir=" + profile, "--dump-dom", url],
                capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            continue
        if r.returncode == 0 and b"</html>" in r.stdout:
            return r.stdout.decode("utf-8")
    return ""


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "db")
r = subprocess.run([INDEX, "-q", db, SAMPLES], capture_output=True)
if r.returncode != 0:
    sys.exit("forum-index: " + r.stderr.decode())
server = Server(SERVE, db, "--quiet")
base = "http://127.0.0.1:%d/" % server.port

for query, marked in [("马斯克说", {"马斯克说", "馬斯克說"}),
                      ("馬斯克說", {"马斯克说", "馬斯克說"}),
                      ("川普 OR 拜登", {"川普", "拜登"})]:
    dom_text = dump_dom(base + "?" + urllib.parse.urlencode({"q": query}))
    dom = Dom()
    dom.feed(dom_text)
    check(dom_text, "%s: chromium built no page" % query)
    check(dom.marks and set(dom.marks) <= marked and
          len(set(dom.marks)) == len(marked),
          "%s: highlighted %s, want %s" % (query, set(dom.marks), marked))
    check("个主题中有" in dom_text and 'href="thread?id=' in dom_text,
          "%s: counts and thread links" % query)
    check("script" not in dom.tags, "%s: no script element" % query)

dom_text = dump_dom(base + "thread?" + urllib.parse.urlencode(
    {"id": "life/0003_wang-xiaoming-wedding", "q": "婚禮"}))
dom = Dom()
dom.feed(dom_text)
check(dom.marks == ["婚礼"] and 'id="f2"' in dom_text,
      "thread page: %s" % dom.marks)

code = server.stop()
check(code == 0, "forum-serve exit %s" % code)
print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
