"""The sandbox's read-only task page, opened in a real headless Chromium at
the very link the plugin writes into its mails."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from html.parser import HTMLParser

import pytest

from remote_completion.tasklink import task_url
from sandbox.web import TaskPages

from sandbox_helpers import one_task_release

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags a closed network needs (no background fetches, no sandboxing as root).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Dom(HTMLParser):
    """Element ids -> their text, plus every tag name seen."""

    def __init__(self):
        super().__init__()
        self.text, self.tags, self.body_attrs = {}, [], {}
        self._open = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "body":
            self.body_attrs = attrs
        self._open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for ident in self._open:
            if ident:
                self.text[ident] = self.text.get(ident, "") + data


def render(url, tmp_path) -> Dom:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (scripts/install-system-deps.sh)")
    out = subprocess.run([CHROMIUM, *FLAGS, "--user-data-dir=%s" % (tmp_path / "chromium"),
                          "--virtual-time-budget=5000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    dom = Dom()
    dom.feed(out.stdout)
    return dom


@pytest.fixture
def pages(server):
    with TaskPages(server) as pages:
        yield pages


def test_json_view_of_a_task(server, pages):
    _, task, _ = one_task_release(server, mode="wait", owner="alice")
    server.comment_task(task, "Looks good")
    ref = task_url(pages.base_url, task).split("openTaskDetailsModal=")[1]
    with urllib.request.urlopen(pages.base_url + "/sandbox/task.json?ref=" + ref) as answer:
        view = json.load(answer)
    assert view["id"] == task and view["status"] == "IN_PROGRESS"
    assert view["assignees"] == ["alice"]
    assert [c["text"] for c in view["comments"]] == ["Looks good"]


def test_unknown_task_is_a_404(pages):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(pages.base_url + "/sandbox/task.json?ref=Release1-Phase2-Task3")
    assert caught.value.code == 404


@pytest.mark.chromium
def test_the_mail_link_opens_the_task_in_a_browser(server, pages, tmp_path):
    _, task, _ = one_task_release(server, title="Deploy to production", mode="wait",
                                  owner="alice")
    hostile = 'Approved <img src=x onerror="document.title=1"> & done'
    server.comment_task(task, hostile)
    dom = render(task_url(pages.base_url, task), tmp_path)
    assert dom.body_attrs.get("data-loaded") == "yes"
    assert dom.text["title"] == "Deploy to production"
    assert dom.text["status"] == "IN_PROGRESS"
    assert dom.text["release"] == "Release under test"
    assert hostile in dom.text["comments"]        # shown as the person wrote it ...
    assert "img" not in dom.tags                   # ... and never as HTML
    assert "Deploy to production" not in dom.text.get("error", "")


@pytest.mark.chromium
def test_a_link_to_a_missing_task_says_so(pages, tmp_path):
    dom = render(pages.base_url + "/#/releases/Release1?openTaskDetailsModal=Release1-Phase2-Task3",
                 tmp_path)
    assert dom.body_attrs.get("data-loaded") == "error"
    assert dom.text["error"].startswith("No such task")
