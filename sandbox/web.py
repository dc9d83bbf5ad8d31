"""A read-only web page for a task, at the link the plugin puts in its mails.

XL Release's UI opens a task at ``<server>/#/releases/<release>?
openTaskDetailsModal=<task>`` (``remote_completion.tasklink``).  The part
after ``#`` never reaches a server, so the sandbox serves one page whose
script reads the location and asks ``/sandbox/task.json`` for the task:
title, status, assignees, comments and the release's activity for the task.
Every value is put into the page as text (``textContent``), never as HTML:
comments hold what people wrote in their mail.  Nothing here writes state.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from remote_completion.tasklink import task_id_from_ui

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>XL Release sandbox: task</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#222;background:#f4f5f7}
header{background:#7e4ca6;color:#fff;padding:12px 16px;font-size:15px}
main{max-width:820px;margin:16px auto;background:#fff;padding:16px 20px;border-radius:6px}
h1{font-size:20px;margin:0 0 6px 0} .status{display:inline-block;padding:2px 8px;
border-radius:10px;background:#e3e5e8;font-size:12px;font-weight:bold}
.COMPLETED{background:#c9ecd4}.FAILED{background:#f6cdd0}.IN_PROGRESS{background:#cfe0fb}
h2{font-size:15px;margin:18px 0 6px 0} .comment{border-left:3px solid #7e4ca6;margin:8px 0;
padding:4px 10px;white-space:pre-wrap} .meta{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px} td{border-top:1px solid #eee;
padding:4px 6px;vertical-align:top} #error{color:#a00}
</style></head>
<body><header>XL Release sandbox &middot; read-only task view</header>
<main><p id="error"></p><div id="task" hidden>
<h1 id="title"></h1><span id="status" class="status"></span>
<p class="meta">Release <span id="release"></span></p>
<h2>Assigned to</h2><p id="assignees"></p>
<h2>Comments</h2><div id="comments"></div>
<h2>Activity</h2><table><tbody id="activity"></tbody></table>
</div></main>
<script>
function text(tag, value, cls) {
  var e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls;
  return e;
}
function show(t) {
  document.getElementById("title").textContent = t.title;
  var s = document.getElementById("status"); s.textContent = t.status;
  s.className = "status " + t.status;
  document.getElementById("release").textContent = t.release.title;
  document.getElementById("assignees").textContent = t.assignees.join(", ") || "nobody";
  var c = document.getElementById("comments");
  t.comments.forEach(function (m) {
    var d = text("div", m.text, "comment");
    d.insertBefore(text("div", m.author + ", " + m.date, "meta"), d.firstChild);
    c.appendChild(d);
  });
  var a = document.getElementById("activity");
  t.activity.forEach(function (e) {
    var r = document.createElement("tr");
    [e.time, e.user, e.message].forEach(function (v) { r.appendChild(text("td", v)); });
    a.appendChild(r);
  });
  document.getElementById("task").hidden = false;
  document.body.setAttribute("data-loaded", "yes");
}
var m = /openTaskDetailsModal=([^&]+)/.exec(location.hash);
if (!m) {
  document.getElementById("error").textContent = "No task in this link.";
} else {
  fetch("/sandbox/task.json?ref=" + encodeURIComponent(decodeURIComponent(m[1])))
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(show, function (why) {
      document.getElementById("error").textContent = "No such task (" + why + ").";
      document.body.setAttribute("data-loaded", "error");
    });
}
</script></body></html>
"""


def task_view(server, task_id: str) -> dict:
    """The page's data for one task, from the server's read-only views."""
    task = server.task_bean(task_id)
    rel_id = server.release_of(task_id)
    release = server.release_bean(rel_id)
    assignees = []
    if task.owner:
        assignees.append(str(task.owner))
    if task.team:
        assignees.append("team " + str(task.team))
    comments = [{"author": str(c.author or ""), "date": str(c.date or ""), "text": str(c.text)}
                for c in (task.comments or [])]
    activity = [{"time": e.eventTime.strftime("%Y-%m-%d %H:%M:%S"), "user": e.username,
                 "message": e.message}
                for e in server.activity_log(rel_id) if e.targetId == task_id]
    return {"id": task_id, "title": str(task.title), "status": str(task.status),
            "release": {"id": rel_id, "title": str(release.title)},
            "assignees": assignees, "comments": comments, "activity": activity}


class TaskPages:
    """Serves PAGE and its JSON on 127.0.0.1; ``base_url`` is what the
    plugin's ``server-url`` setting should hold."""

    def __init__(self, server, host: str = "127.0.0.1", port: int = 0):
        self.server = server
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's name
                pages._answer(self)

            def log_message(self, *args):  # quiet: the demo prints its own story
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="sandbox-task-pages")

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self) -> "TaskPages":
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _answer(self, request):
        url = urlsplit(request.path)
        if url.path in ("/", "/index.html"):
            self._send(request, 200, PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif url.path == "/sandbox/task.json":
            ref = (parse_qs(url.query).get("ref") or [""])[0]
            try:
                body = task_view(self.server, task_id_from_ui(ref))
            except Exception:  # unknown or malformed: the page says so
                self._send(request, 404, b'{"error": "no such task"}', "application/json")
                return
            self._send(request, 200, json.dumps(body).encode("utf-8"), "application/json")
        else:
            self._send(request, 404, b"not found", "text/plain")

    @staticmethod
    def _send(request, code, body, content_type):
        request.send_response(code)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.send_header("Content-Security-Policy",
                            "default-src 'self'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'")
        request.end_headers()
        request.wfile.write(body)
