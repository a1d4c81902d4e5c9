#!/usr/bin/python3
"""End-to-end test of forum-serve: the real binary on a loopback port, the
example threads indexed by the real forum-index, and the real
forum-search as the oracle for the JSON API.

usage: serve_test.py FORUM-SERVE FORUM-INDEX FORUM-SEARCH SAMPLES WORKDIR

Checks: /api/search answers every query and option of the list with the
lines `forum-search --json` prints, byte for byte, and the same counts;
bad queries get 400 with forum-search's message and column; every bad
parameter gets its 400; text from posts and from the query is escaped on
the page (a thread holding <script>, quotes and an <img onerror>); every
answer carries the Content-Security-Policy; paging joins up; a commit and
a compaction by forum-index are seen without a restart; hostile requests
(huge q, bad UTF-8, %00, huge numbers, unknown parameters, garbage on the
socket, many concurrent clients) leave it serving; the access log and
--quiet; SIGTERM answers the request under way and exits 0; exit codes.
"""
import html.parser
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from serveutil import Server

SERVE, INDEX, SEARCH, SAMPLES, WORK = sys.argv[1:6]
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)
    return cond


_last = [time.time()]


def section(name):
    """Prints how long the previous section took (the machine is shared:
    the slow parts should be visible in ctest's log)."""
    now = time.time()
    print("%-40s %.1f s" % (name, now - _last[0]))
    _last[0] = now


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, **kw)


def api_path(q, **params):
    items = [("q", q)] + [(k, str(v)) for k, v in params.items()]
    return "/api/search?" + urllib.parse.urlencode(items)


def cli_args(params):
    args = []
    if "limit" in params:
        args += ["-n", str(params["limit"])]
    if "offset" in params:
        args += ["-o", str(params["offset"])]
    if params.get("posts") in (1, "1", "true", "on"):
        args += ["--posts"]
    if "sort" in params:
        args += ["--sort", params["sort"]]
    if "scope" in params:
        args += ["--scope", params["scope"]]
    return args


# ---- Setup: the samples plus a hostile thread, indexed. -----------------
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
tree = os.path.join(WORK, "threads")
shutil.copytree(SAMPLES, tree)
os.makedirs(os.path.join(tree, "evil"))
EVIL_TITLE = '<script>alert("标题")</script> 引号\'测试\' & 川普'
EVIL_BODY = ('川普 <img src=x onerror=alert(1)> "双引号" \'单引号\' '
             '</p><script>document.write(1)</script> &amp; 结束')
with open(os.path.join(tree, "evil", "0001_script.txt"), "w") as f:
    f.write(EVIL_TITLE + "\n\n测试站\nTest\n最新回复:2025年1月23日 6点43分 PT\n"
            "  返回列表\n1 阅读\n1 评论\n原创\n\n" + EVIL_BODY + "\n"
            "<b>坏人</b>\n1 楼\n回复里也有 川普 和 <iframe src=//x></iframe>\n")
db = os.path.join(WORK, "db")
r = run(INDEX, "-q", db, tree)
if not check(r.returncode == 0, "forum-index: %s" % r.stderr.decode()):
    sys.exit(1)

# ---- Exit codes before serving. -----------------------------------------
r = run(SERVE)
check(r.returncode == 2 and b"need a database" in r.stderr,
      "no DB: exit 2 (got %d)" % r.returncode)
r = run(SERVE, "--bogus", db)
check(r.returncode == 2, "unknown option: exit 2")
r = run(SERVE, "--listen", "nonsense", db)
check(r.returncode == 2 and b"--listen" in r.stderr, "bad --listen: exit 2")
r = run(SERVE, "--threads", "0", db)
check(r.returncode == 2, "--threads 0: exit 2")
r = run(SERVE, "--listen", "127.0.0.1:0", os.path.join(WORK, "no-such-db"))
check(r.returncode == 3 and b"forum-serve: " in r.stderr,
      "missing DB: exit 3 (got %d: %s)" % (r.returncode, r.stderr))
r = run(SERVE, "--help")
check(r.returncode == 0 and b"/api/search" in r.stdout, "--help")
r = run(SERVE, "--version")
check(r.returncode == 0 and b"libmicrohttpd" in r.stdout, "--version")

server = Server(SERVE, db, "--threads", "2")

# A port in use: exit 3 with libmicrohttpd's reason.
r = run(SERVE, "--listen", "127.0.0.1:%d" % server.port, db)
check(r.returncode == 3 and b"forum-serve: " in r.stderr,
      "port in use: exit 3 (got %d: %s)" % (r.returncode, r.stderr))

# ---- /api/search == forum-search --json. --------------------------------
QUERIES = [
    "川普", "馬斯克說", "马斯克 川普", '"马斯克 川普"', "“马斯克 川普”",
    "川普 OR 拜登", "川普|拜登", "川普 -特朗普", "(川普 OR 拜登) -floor:0",
    "NOT 川普 关税", "author:李华", 'author:"李华"', "title:关税",
    "board:news", "board:news 美国", "thread:life/0003_wang-xiaoming-wedding",
    "floor:0", "floor:1..", "floor:2..10", "floor:..3", "date:2025",
    "date:2025-1", "date:2025-5-30", "date:2025-01-01..2025-01-31",
    "date:..2024", "openai", "ＯｐｅｎＡＩ", "OpenAI 的", "显卡",
    "王小明 婚礼", "a", "的", "script", "<script>", "nothingmatchesthis",
    "川普 and 拜登",
]
OPTIONS = [{}, {"limit": 5, "offset": 2}, {"posts": 1, "limit": 20},
           {"sort": "date", "limit": 20}, {"sort": "floor", "posts": 1},
           {"limit": 0}, {"scope": "thread"},
           {"scope": "thread", "limit": 3, "offset": 1},
           {"scope": "thread", "sort": "date"}, {"scope": "post"}]
section("setup")
compared = 0
for q in QUERIES:
    # The counts do not depend on paging, sorting or collapsing; they do
    # on the scope.
    counts_by_scope = {
        scope: json.loads(run(SEARCH, "--json", "--count", "--scope", scope,
                              db, q).stdout)
        for scope in ("post", "thread")}
    for opts in OPTIONS:
        status, hdrs, body = server.get(api_path(q, **opts))
        cli = run(SEARCH, "--json", *cli_args(opts), db, q)
        what = "%r %r" % (q, opts)
        if not check(status == 200, "%s: status %d: %s" % (what, status,
                                                          body[:200])):
            continue
        check(hdrs.get("content-type") == "application/json; charset=utf-8",
              "%s: content type" % what)
        # One hit per line, each the line forum-search prints.
        lines = body.decode("utf-8").split("\n")
        hit_lines = [l.rstrip(",") for l in lines[1:-2]]
        want = cli.stdout.decode("utf-8").splitlines()
        check(hit_lines == want, "%s: hits differ from forum-search --json:"
              "\n  serve: %s\n  cli:   %s" % (what, hit_lines[:2], want[:2]))
        doc = json.loads(body)
        counts = counts_by_scope[opts.get("scope", "post")]
        check(doc["posts"] == counts["posts"] and
              doc["threads"] == counts["threads"],
              "%s: counts %s vs %s" % (what, doc, counts))
        check(doc["query"] == q and doc["limit"] == opts.get("limit", 10) and
              doc["offset"] == opts.get("offset", 0),
              "%s: echo of query, limit, offset" % what)
        check(len(doc["hits"]) == len(want), "%s: hits parse" % what)
        compared += 1
check(compared == len(QUERIES) * len(OPTIONS), "every query compared")

section("JSON compared with forum-search")
# ---- Bad queries: 400 with forum-search's message and column. -----------
BAD = ['"马斯克', "(川普", "川普)", "author:", "floor:abc", "date:2025-13",
       '""', "-", "foo:bar", "floor:3..1", "川普 OR", "floor:1.. 3"]
for q in BAD:
    status, hdrs, body = server.get(api_path(q))
    cli = run(SEARCH, "--json", db, q)
    m = re.search(rb"bad query: (column (\d+): .*)", cli.stderr)
    if not check(cli.returncode == 5 and m, "%r: forum-search refuses it "
                 "(%s)" % (q, cli.stderr)):
        continue
    check(status == 400, "%r: status %d" % (q, status))
    doc = json.loads(body)
    check(doc == {"error": m.group(1).decode(), "column": int(m.group(2))},
          "%r: body %s, want %s" % (q, doc, m.group(1)))
    # The page says it too, with 400.
    status, _, page = server.get("/?" + urllib.parse.urlencode({"q": q}))
    check(status == 400 and "查询有误" in page.decode(), "%r: page 400" % q)

section("bad queries")
# ---- Bad parameters: 400 naming the parameter. --------------------------
BAD_PARAMS = [
    ("/api/search", None),
    ("/api/search?q=a&q=b", "q"),
    ("/api/search?q=%zz", "q"),
    ("/api/search?q=%4", "q"),
    ("/api/search?q=a%00b", "q"),
    ("/api/search?q=%ff%fe", "q"),
    ("/api/search?q=%c0%af", "q"),         # overlong '/'
    ("/api/search?q=%ed%a0%80", "q"),      # a surrogate
    ("/api/search?q=a&limit=101", "limit"),
    ("/api/search?q=a&limit=-1", "limit"),
    ("/api/search?q=a&limit=1e3", "limit"),
    ("/api/search?q=a&limit=", "limit"),
    ("/api/search?q=a&limit=99999999999999999999999999", "limit"),
    ("/api/search?q=a&offset=10001", "offset"),
    ("/api/search?q=a&offset=9995&limit=10", "offset"),
    ("/api/search?q=a&offset=-5", "offset"),
    ("/api/search?q=a&posts=maybe", "posts"),
    ("/api/search?q=a&sort=random", "sort"),
    ("/api/search?q=a&scope=both", "scope"),
    ("/api/search?q=a&scope=THREAD", "scope"),
    ("/api/search?q=a&bogus=1", "bogus"),
    ("/api/search?q=a&=1", None),
    ("/api/search?q=a&%00=1", None),
    ("/api/search?" + "&".join("k%d=1" % i for i in range(17)), None),
    ("/api/search?q=" + "a" * 4097, "q"),
    ("/api/search?q=" + "%E5%B7%9D" * 1366, "q"),   # 4098 bytes decoded
]
for path, param in BAD_PARAMS:
    status, hdrs, body = server.get(path)
    what = path[:80]
    check(status == 400, "%s: status %d" % (what, status))
    try:
        doc = json.loads(body)
    except ValueError:
        check(False, "%s: not JSON: %r" % (what, body[:100]))
        continue
    check(isinstance(doc.get("error"), str) and doc["error"],
          "%s: error message" % what)
    if param:
        check(doc.get("parameter") == param, "%s: parameter %s, want %s" %
              (what, doc.get("parameter"), param))
# Limits that are fine.
for path in ["/api/search?q=a&limit=100&offset=9900", "/api/search?q=a&posts=on",
             "/api/search?q=a&posts=false&sort=relevance",
             "/api/search?q=" + "a" * 4096, "/api/search?q=a+b&&limit=2"]:
    status, _, body = server.get(path)
    check(status == 200, "%s: status %d %s" % (path[:60], status, body[:100]))
# + is a space, %2B a plus.
_, _, body = server.get("/api/search?q=%E9%A9%AC%E6%96%AF%E5%85%8B+%E5%B7%9D%E6%99%AE")
check(json.loads(body)["query"] == "马斯克 川普", "+ decodes to a space")
# Other routes and methods.
status, hdrs, body = server.get("/api/nothing")
check(status == 404 and json.loads(body)["error"], "unknown API: 404 JSON")
status, hdrs, body = server.get("/nothing")
check(status == 404 and hdrs["content-type"].startswith("text/html"),
      "unknown page: 404 HTML")
for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd",
             "/style.css/../../etc/passwd"]:
    status, _, body = server.get(path)
    check(status == 404 and b"root:" not in body, "%s: 404" % path)
status, hdrs, body = server.get("/api/search?q=a", method="POST")
check(status == 405 and hdrs.get("allow") == "GET, HEAD", "POST: 405")
status, hdrs, body = server.get("/api/search?q=" + urllib.parse.quote("川普"),
                                method="HEAD")
check(status == 200 and body == b"" and int(hdrs["content-length"]) > 0,
      "HEAD: headers only")

section("bad parameters")
# ---- The page: results, escaping, CSP. ----------------------------------
class Tags(html.parser.HTMLParser):
    """Collects tags, attributes and text; flags anything a post could use
    to run code."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text, self.marks = [], [], [], []
        self.in_mark = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "mark":
            self.in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self.in_mark = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_mark:
            self.marks[-1] += data


ALLOWED_TAGS = {"html", "head", "meta", "title", "link", "body", "header",
                "h1", "h2", "a", "form", "input", "button", "div", "label",
                "select", "option", "p", "ol", "li", "mark", "span", "time",
                "nav", "table", "tr", "td", "code", "main", "section"}


def page(path):
    status, hdrs, body = server.get(path)
    parser = Tags()
    parser.feed(body.decode("utf-8"))
    return status, hdrs, body.decode("utf-8"), parser


status, hdrs, text, parsed = page("/")
check(status == 200 and "<form" in text and "author:" in text,
      "empty page: the form and the help")
status, hdrs, text, parsed = page("/?q=" + urllib.parse.quote("川普"))
check(status == 200 and "<mark>川普</mark>" in text, "page: highlights")
check(parsed.marks and all(m in ("川普",) for m in parsed.marks),
      "page: every mark is the query: %s" % set(parsed.marks))
check("个主题中有" in text and "帖匹配" in text, "page: counts")
check('href="thread?id=' in text and "#f" in text, "page: thread links")
check(set(parsed.tags) <= ALLOWED_TAGS, "page: tags %s" %
      (set(parsed.tags) - ALLOWED_TAGS))
# Thread scope on the page: 王小明 is in the title of
# life/0003_wang-xiaoming-wedding, 婚礼 in its reply 2, in no one post.
status, hdrs, text, parsed = page("/?" + urllib.parse.urlencode(
    {"q": "王小明 婚礼"}))
check(status == 200 and "没有哪一帖包含全部查询词" in text and
      "scope=thread" in text, "page: post scope offers thread scope")
status, hdrs, text, parsed = page("/?" + urllib.parse.urlencode(
    {"q": "王小明 婚礼", "scope": "thread"}))
check(status == 200 and "thread?id=life%2F0003_wang-xiaoming-wedding" in text,
      "page: thread scope finds life/0003")
check('<p class="also">' in text and "<mark>婚礼</mark>" in text and
      "<mark>王小明</mark>" in text, "page: thread scope shows the other post")
check('name="scope" value="thread" checked>' in text,
      "page: the scope box stays checked")
check(set(parsed.tags) <= ALLOWED_TAGS, "page (thread scope): tags %s" %
      (set(parsed.tags) - ALLOWED_TAGS))
for path in ["/", "/?q=a", "/style.css", "/api/search?q=a", "/nothing",
             "/api/search", "/?q=%22", "/api/nothing"]:
    status, hdrs, _ = server.get(path)
    check(hdrs.get("content-security-policy") == CSP,
          "%s: CSP %s" % (path, hdrs.get("content-security-policy")))
    check(hdrs.get("x-content-type-options") == "nosniff",
          "%s: nosniff" % path)
status, hdrs, css = server.get("/style.css")
check(status == 200 and hdrs["content-type"].startswith("text/css") and
      b"mark" in css, "style sheet")

# A thread with <script>, quotes and <img onerror>; a query with them too.
for q in ["标题", "川普 script", '"><script>alert(1)</script>', "onerror",
          "<img src=x onerror=alert(1)>", "'单引号'", "iframe"]:
    status, hdrs, text, parsed = page("/?" + urllib.parse.urlencode(
        {"q": q, "posts": "1", "limit": "50"}))
    what = "escaping %r" % q
    check(status in (200, 400), "%s: status %d" % (what, status))
    check(set(parsed.tags) <= ALLOWED_TAGS, "%s: tags %s" %
          (what, set(parsed.tags) - ALLOWED_TAGS))
    check(not any(name.startswith("on") for name, _ in parsed.attrs),
          "%s: an on* attribute" % what)
    check("<script" not in text.lower() and "<img" not in text.lower() and
          "<iframe" not in text.lower(), "%s: raw markup" % what)
    # The query comes back intact in the form (escaped, then unescaped).
    check(("q", q) in parsed.attrs or ("value", q) in parsed.attrs,
          "%s: the form keeps the query" % what)
status, _, text, parsed = page("/?" + urllib.parse.urlencode({"q": "标题"}))
joined = "".join(parsed.text)
check('<script>alert("标题")</script>' in joined and "&lt;script&gt;" in text,
      "the title is shown as text")
status, _, body = server.get(api_path("标题", posts=1))
hit = json.loads(body)["hits"][0]
check(hit["title"] == EVIL_TITLE, "the API gives the title as it is")

section("page, escaping, CSP")
# ---- Threads: /api/thread is forum-search --thread ID --json; the page. --
def expected_marks(doc):
    """The marked substrings, in page order, from the JSON's offsets."""
    title = doc["title"].encode()
    marks = [title[s:e].decode() for s, e in doc["title_highlights"]]
    for post in doc["posts"]:
        text = post["text"].encode()
        marks += [text[s:e].decode() for s, e in post["highlights"]]
    return marks


for tid, q in [("life/0003_wang-xiaoming-wedding", None),
               ("life/0003_wang-xiaoming-wedding", "婚礼"),
               ("news/0001_musk-doge-exit", "川普 OR 马斯克"),
               ("taiwan/0006_tariff-taiwan-32", "关税"),   # Traditional text
               ("evil/0001_script", "川普 script"),
               ("evil/0001_script", None)]:
    params = {"id": tid}
    if q:
        params["q"] = q
    what = "thread %s %r" % (tid, q)
    status, hdrs, body = server.get("/api/thread?" +
                                    urllib.parse.urlencode(params))
    cli = run(SEARCH, "--thread", tid, "--json", db, *([q] if q else []))
    check(cli.returncode == 0 and status == 200 and body == cli.stdout,
          "%s: /api/thread differs from forum-search --thread --json:\n"
          "  serve: %r\n  cli:   %r" % (what, body[:120], cli.stdout[:120]))
    check(hdrs.get("content-security-policy") == CSP, "%s: CSP" % what)
    doc = json.loads(body)
    status, hdrs, text, parsed = page("/thread?" +
                                      urllib.parse.urlencode(params))
    check(status == 200, "%s: page status %d" % (what, status))
    anchors = [v for k, v in parsed.attrs if k == "id"]
    check(anchors == ["f%d" % p["floor"] for p in doc["posts"]],
          "%s: one #fN anchor per post in floor order" % what)
    check(parsed.marks == expected_marks(doc), "%s: marks %s, want %s" %
          (what, parsed.marks[:5], expected_marks(doc)[:5]))
    check(not q or parsed.marks, "%s: something is marked" % what)
    check(set(parsed.tags) <= ALLOWED_TAGS, "%s: tags %s" %
          (what, set(parsed.tags) - ALLOWED_TAGS))
    check(not any(n.startswith("on") for n, _ in parsed.attrs),
          "%s: an on* attribute" % what)
    check("<script" not in text.lower() and "<iframe" not in text.lower()
          and "<img" not in text.lower(), "%s: raw markup" % what)
status, _, text, parsed = page("/thread?id=evil/0001_script")
check(EVIL_TITLE in "".join(parsed.text) and "<b>坏人</b>" in
      "".join(parsed.text), "the hostile thread's title and author shown as text")
# A hit's link opens its thread at its floor.
_, _, text, parsed = page("/?" + urllib.parse.urlencode({"q": "川普",
                                                         "posts": "1"}))
links = [v for k, v in parsed.attrs if k == "href" and
         v.startswith("thread?id=")]
check(len(links) > 1, "hit links")
for link in links:
    target, _, floor = link.partition("#")
    status, _, ttext, tparsed = page("/" + target)
    check(status == 200 and ("id", floor) in tparsed.attrs and
          "<mark>川普</mark>" in ttext, "%s: the thread at #%s, marked" %
          (link, floor))
# Bad thread requests.
for path, want, param in [
        ("/api/thread", 400, "id"), ("/api/thread?id=", 400, "id"),
        ("/api/thread?id=a%00b", 400, "id"),
        ("/api/thread?id=%ff", 400, "id"),
        ("/api/thread?id=x&bogus=1", 400, "bogus"),
        ("/api/thread?id=x&id=y", 400, "id"),
        ("/api/thread?id=../../etc/passwd", 404, None),
        ("/api/thread?id=%2Fetc%2Fpasswd", 404, None),
        ("/api/thread?id=..%2F..%2F..%2Fetc%2Fpasswd", 404, None),
        ("/api/thread?id=life/0003_wang-xiaoming-wedding&q=%22", 400, None)]:
    status, hdrs, body = server.get(path)
    doc = json.loads(body)
    check(status == want and doc.get("parameter") == param and
          b"root:" not in body and db.encode() not in body,
          "%s: %d %s, want %d %s" % (path, status, doc, want, param))
    if want == 404:
        check(doc.get("error") == "no such thread" and "id" in doc,
              "%s: 404 body %s" % (path, doc))
status, _, body = server.get("/api/thread?id=life/0003_wang-xiaoming-wedding"
                             "&q=%22")
check(json.loads(body).get("column") == 1, "a bad q on a thread: its column")
status, hdrs, body = server.get("/thread?id=no/such-thread")
check(status == 404 and hdrs["content-type"].startswith("text/html"),
      "unknown thread page: 404")
section("threads")
# ---- Paging: pages of the page join up like the API's. ------------------
def page_threads(path):
    _, _, text, parsed = page(path)
    links = [v for k, v in parsed.attrs if k == "href" and
             v.startswith("thread?id=")]
    ids = [urllib.parse.parse_qs(urllib.parse.urlparse(l).query)["id"][0]
           for l in links]
    return ids, text, parsed


_, _, body = server.get(api_path("的", limit=100))
all_threads = [h["thread"] for h in json.loads(body)["hits"]]
seen, path, pages = [], "/?" + urllib.parse.urlencode({"q": "的", "limit": 7}), 0
while path and pages < 50:
    ids, text, parsed = page_threads(path)
    seen += ids
    pages += 1
    m = re.search(r'<a rel="next" href="([^"]*)"', text)
    path = "/" + html.unescape(m.group(1)) if m else None
    if pages == 2:
        check('rel="prev"' in text and 'start="8"' in text,
              "page 2: a previous link and numbering from 8")
check(seen == all_threads, "pages of 7 join up into the API's list: %d vs %d"
      % (len(seen), len(all_threads)))
check(pages == (len(all_threads) + 6) // 7, "pages: %d" % pages)

section("paging")
# ---- A newer generation is seen without a restart. ----------------------
NEW_WORD = "斑马线独角兽"
def count(q):
    status, _, body = server.get(api_path(q))
    return json.loads(body)["posts"] if status == 200 else -status


check(count(NEW_WORD) == 0, "the new word is not there yet")
with open(os.path.join(tree, "news", "0099_new.txt"), "w") as f:
    f.write("新帖子\n\n测试站\nTest\n最新回复:2025年6月1日 6点43分 PT\n\n"
            "今天看见" + NEW_WORD + "过马路。\n")
r = run(INDEX, "-q", db, tree)
check(r.returncode == 0, "re-index: %s" % r.stderr)
for _ in range(4):   # Each of the two threads' handles.
    check(count(NEW_WORD) == 1, "the commit is seen by every handle")
stub = os.path.join(db, "XAPIANDB")
before = open(stub).read()
r = run(INDEX, "-q", "--compact", db)
after = open(stub).read()
check(r.returncode == 0 and before != after,
      "compaction to a new generation: exit %d %s %r -> %r" %
      (r.returncode, r.stderr, before, after))
for _ in range(4):
    check(count(NEW_WORD) == 1 and count("川普") > 0,
          "the compacted generation is read")
os.remove(os.path.join(tree, "news", "0099_new.txt"))
run(INDEX, "-q", db, tree)
check(count(NEW_WORD) == 0, "a deletion is seen too")

section("new generations")
# ---- Hostile requests. --------------------------------------------------
def raw(data):
    """Sends bytes on a fresh connection; the answer's status line, or
    b"" when the server closed it without one (or said nothing in 5 s:
    a request cut short is left to the idle timeout)."""
    with socket.create_connection(("127.0.0.1", server.port), 10) as s:
        s.settimeout(5)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass   # Refused half way (a header too large): read why.
        out = b""
        try:
            while b"\r\n" not in out:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        return out.split(b"\r\n", 1)[0]


first = raw(b"GET /api/search?q=" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
check(first.startswith(b"HTTP/1.1 414") or first.startswith(b"HTTP/1.1 400")
      or first == b"", "200 KB URI: refused (%r)" % first[:40])
first = raw(b"GET /?q=a HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 +
            b"\r\n\r\n")
check(not first.startswith(b"HTTP/1.1 200"), "100 KB header: refused (%r)"
      % first[:40])
for junk in [b"GARBAGE\r\n\r\n", b"\x00\xff\xfe\r\n\r\n",
             b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
             b"GET /api/search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /api/search?q=a\x01b HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /?q=%3Cscript%3E HTTP/1.0\r\n\r\n",
             b"GET http://evil/api/search?q=a HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
             b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]:
    raw(junk)
# Requests cut short, the connection closed: libmicrohttpd drops them.
for cut in [b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\n", b"GET /api/sea"]:
    with socket.create_connection(("127.0.0.1", server.port), 10) as s:
        s.sendall(cut)
section("hostile: long URI, big header")
status, _, body = server.get(api_path("川普"))
check(status == 200, "serving after garbage on the socket")
section("hostile: garbage")
# Bad UTF-8 sent raw (not percent-encoded) is refused, not searched.
first = raw(b"GET /api/search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n")
check(first.startswith(b"HTTP/1.1 400"), "raw bad UTF-8: 400 (%r)" % first)
# Connections that open and say nothing, while others are served.
idle = [socket.create_connection(("127.0.0.1", server.port), 5)
        for _ in range(20)]
status, _, _ = server.get(api_path("川普"))
check(status == 200, "served beside 20 idle connections")
for s in idle:
    s.close()

# Many concurrent clients, each a few requests; every answer well formed.
results = []
def client(n):
    for i in range(8):
        q = ["川普", "的", '"马斯克', "a" * 5000, "显卡", "date:2025"][(n + i) % 6]
        try:
            status, _, body = server.get(api_path(q, limit=(n * i) % 101))
            json.loads(body)
            results.append(status)
        except Exception as e:  # noqa: BLE001 (a failure to report)
            results.append(repr(e))
threads = [threading.Thread(target=client, args=(n,)) for n in range(48)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
bad = [r for r in results if r not in (200, 400)]
check(len(results) == 48 * 8 and not bad,
      "48 concurrent clients: %d answers, unexpected: %s" %
      (len(results), bad[:5]))
check(server.proc.poll() is None, "still running after the hostile requests")

section("hostile: concurrent clients")
# ---- Access log. --------------------------------------------------------
log = server.log()
check(re.search(r'forum-serve: 127\.0\.0\.1 "GET /api/search\?q=%E5%B7%9D'
                r'%E6%99%AE HTTP/1\.1" 200 \d+ [\d.]+ms', log),
      "access log line")
check('"GET /api/search?q=\\xff\\xfe HTTP/1.1" 400' in log,
      "raw bytes are escaped in the log")
check("\\x01" in log or "a\x01b" not in log, "control bytes escaped")

# ---- SIGTERM: the request under way is answered, then exit 0. -----------
slow = socket.create_connection(("127.0.0.1", server.port), 10)
slow.sendall(b"GET /api/search?q=%E5%B7%9D%E6%99%AE HTTP/1.1\r\nHost: x\r\n")
time.sleep(0.3)
server.proc.send_signal(signal.SIGTERM)
check(server.wait_for("finishing the requests under way", 5),
      "SIGTERM announced")
time.sleep(0.2)
refused = False
try:
    socket.create_connection(("127.0.0.1", server.port), 2).close()
except OSError:
    refused = True
check(refused, "new connections refused after SIGTERM")
slow.sendall(b"\r\n")
answer = b""
slow.settimeout(10)
try:
    while True:
        chunk = slow.recv(65536)
        if not chunk:
            break
        answer += chunk
        if b"]}\n" in answer:
            break
except socket.timeout:
    pass
slow.close()
check(answer.startswith(b"HTTP/1.1 200") and b'"query":"\xe5\xb7\x9d' in answer,
      "the request under way was answered: %r" % answer[:60])
try:
    code = server.proc.wait(15)
except subprocess.TimeoutExpired:
    server.proc.kill()
    code = "hung"
server.reader.join(5)
check(code == 0, "exit status after SIGTERM: %s\n%s" % (code,
                                                        server.log()[-2000:]))

# ---- IPv6 loopback, port 0 (the port chosen is printed). ----------------
try:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
    has_v6 = True
except OSError:
    has_v6 = False
if has_v6:
    v6 = subprocess.Popen([SERVE, "--quiet", "--listen", "[::1]:0", db],
                          stderr=subprocess.PIPE)
    line = v6.stderr.readline().decode()
    m = re.search(r"serving .* on http://\[::1\]:(\d+)/", line)
    if check(m, "IPv6: %r" % line):
        conn = http.client.HTTPConnection("::1", int(m.group(1)), timeout=30)
        conn.request("GET", api_path("川普", limit=0))
        resp = conn.getresponse()
        check(resp.status == 200 and json.loads(resp.read())["posts"] > 0,
              "IPv6: a search")
        conn.close()
    v6.send_signal(signal.SIGTERM)
    check(v6.wait(20) == 0, "IPv6: stopped")
else:
    print("no IPv6 loopback here: [::1] not checked")

# ---- --quiet: no access log; SIGINT stops it too. -----------------------
quiet = Server(SERVE, db, "--quiet", "--threads", "1")
status, _, _ = quiet.get(api_path("川普"))
check(status == 200, "--quiet serves")
code = quiet.stop(signal.SIGINT)
check(code == 0, "SIGINT: exit 0 (%s)" % code)
check('"GET ' not in quiet.log(), "--quiet: no access log")

section("SIGTERM, --quiet")
print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
