"""pyhocon and pyparsing inside the plugin's own package: exactly the pristine
third_party/ sources with only their imports made relative (tools/vendor.py),
and settings takes them from there when no pyhocon is installed (Jython)."""
from __future__ import annotations

import subprocess
import sys

from tests.support import lanes

REPO = lanes.REPO


def test_vendor_dir_is_the_rewrite_of_third_party():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "vendor.py"), "--check"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and proc.stdout.strip() == "up to date", proc.stdout


def test_only_import_lines_differ_from_third_party():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import vendor
    finally:
        sys.path.remove(str(REPO / "tools"))
    source = (REPO / "third_party" / "jython-lib" / "pyhocon" / "config_parser.py").read_text()
    rewritten = vendor.rewrite(source)
    changed = [(a, b) for a, b in zip(source.splitlines(), rewritten.splitlines()) if a != b]
    assert len(source.splitlines()) == len(rewritten.splitlines())
    assert changed and all("import" in a and "import" in b for a, b in changed), changed
    assert "from .. import pyparsing" in rewritten and "from pyhocon" not in rewritten


def test_settings_use_the_vendored_copy_without_an_installed_pyhocon(tmp_path):
    # A fresh CPython where "pyhocon" cannot be imported (as on Jython).
    blocker = tmp_path / "pyhocon"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('no installed pyhocon here')\n")
    script = (
        "import sys\n"
        "from remote_completion import settings\n"
        "s = settings.from_text('xl.remote-completion { batch-size = 7, sync-interval = 2s }')\n"
        "assert (s.batch_size, s.sync_interval) == (7, 2.0), s\n"
        "assert 'remote_completion._vendor.pyhocon' in sys.modules\n"
        "assert 'pyparsing' not in sys.modules\n"
        "print('VENDORED-OK')\n")
    env = {"PYTHONPATH": "%s:%s" % (tmp_path, REPO / "plugin"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True,
                          text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0 and "VENDORED-OK" in proc.stdout, proc.stderr[-3000:]
