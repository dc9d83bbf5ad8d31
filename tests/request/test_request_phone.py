"""The request mail on a phone: rendered in a real headless Chromium at
390 px, each button stays on one line; the blocks are labelled and a header
names XL Release and the task."""
from __future__ import annotations

import html
import json
import shutil
import subprocess

import pytest

from remote_completion import compose
from remote_completion.metadata import COMPLETE, FAIL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TASK = "Applications/Folder1/Release12/Phase3/Task45"
SIGS = {COMPLETE: "v2.0011223344556677." + "a" * 64, FAIL: "v2.0011223344556677." + "b" * 64}
# Writes every button's box into the DOM, where --dump-dom shows it.
MEASURE = """<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('a[href^="mailto:"]').forEach(function (a) {
    var r = a.getBoundingClientRect();
    var lh = parseFloat(getComputedStyle(a).lineHeight);
    out.push({label: a.textContent, height: r.height, right: r.right, lineHeight: lh});
  });
  document.body.setAttribute('data-measure', JSON.stringify(
    {buttons: out, width: window.innerWidth}));
});
</script></body>"""


PHONE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="phone" width="390" height="2000" style="border:0" srcdoc="%s"></iframe>
<script>
document.getElementById('phone').addEventListener('load', function () {
  var inner = this.contentDocument.body.getAttribute('data-measure');
  document.body.setAttribute('data-measure', inner);
});
</script></body></html>"""


def request_html(title="Approve the production deployment of the payment service"):
    details = compose.RequestDetails(TASK, title, "Release 2026.12 payments", "Production",
                                     "Check CR-1042 first.", "Alice Smith")
    msg = compose.compose_request(details, "alice@example.com", "Alice Smith",
                                  "XL Release <xlr@example.com>", "replies@example.com", SIGS,
                                  now=0, task_link="https://xlr.example.com/#/releases/x")
    part = [p for p in msg.walk() if p.get_content_type() == "text/html"][0]
    return part.get_payload(decode=True).decode("utf-8")


def test_blocks_labelled_and_header_names_xl_release_and_the_task():
    html = request_html("Deploy <now>")
    assert "for Complete" in html and "for Fail" in html
    complete, fail = html.index("for Complete"), html.index("for Fail")
    assert "ACTION: COMPLETE" in html[complete:fail] and "ACTION: FAIL" in html[fail:]
    header = html[html.index("<strong>XL Release</strong>"):][:300]
    assert "Deploy &lt;now&gt;" in header
    assert 'href="https://xlr.example.com/#/releases/x"' in html


@pytest.mark.chromium
@pytest.mark.parametrize("title", ["Go", "Approve the production deployment of the payment "
                                          "service for every region at once"])
def test_buttons_do_not_wrap_at_390_px(tmp_path, title):
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (scripts/install-system-deps.sh)")
    # Headless Chromium's window is at least 500 px wide: the mail goes into a
    # 390 px frame (a phone's viewport), and the page copies the measures out.
    mail = request_html(title).replace("</body>", MEASURE)
    page = tmp_path / "phone.html"
    page.write_text(PHONE % html.escape(mail, quote=True), encoding="utf-8")
    out = subprocess.run([CHROMIUM, *FLAGS, "--user-data-dir=%s" % (tmp_path / "chromium"),
                          "--window-size=390,2000", "--virtual-time-budget=3000",
                          "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    raw = out.stdout.split('data-measure="', 1)[1].split('"', 1)[0]
    measure = json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))
    assert measure["width"] == 390
    buttons = measure["buttons"]
    assert [b["label"] for b in buttons] == ["Complete task", "Fail task"]
    for button in buttons:
        assert button["height"] < 1.5 * button["lineHeight"], button   # one line
        assert button["right"] <= 390, button                           # on screen


def test_the_task_link_in_the_text_part_too():
    details = compose.RequestDetails(TASK, "Go", "R", "P")
    for link, shown in (("https://xlr.example.com/#/releases/x", True), (None, False)):
        msg = compose.compose_request(details, "alice@example.com", "Alice", "xlr@example.com",
                                      "replies@example.com", SIGS, now=0, task_link=link)
        text = [p for p in msg.walk() if p.get_content_type() == "text/plain"][0]
        plain = text.get_payload(decode=True).decode("utf-8")
        assert ("Open in XL Release: <https://xlr.example.com/#/releases/x>" in plain) == shown
        assert plain.startswith("XL Release - task: Go")

