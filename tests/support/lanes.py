"""Which optional test lanes this machine can run, and how to run Jython."""
from __future__ import annotations

import ast
import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JAVA_DIR = Path("/usr/share/java")
JYTHON_JAR = JAVA_DIR / "jython.jar"
# Jython's ssl module needs BouncyCastle on the class path.
JYTHON_CLASSPATH = [JYTHON_JAR, JAVA_DIR / "bcprov.jar", JAVA_DIR / "bcpkix.jar"]
# pyhocon 0.3.60 + pyparsing 2.4.7, pristine (tools/vendor.py copies them into _vendor/).
JYTHON_LIB = REPO / "third_party" / "jython-lib"
JYTHON_CHECKS_DIR = REPO / "tests" / "jython" / "checks"
JYTHON_RUNNER = REPO / "tests" / "jython" / "run_checks.py"
SUMMARY_PREFIX = "JYTHON_CHECKS_SUMMARY "


@functools.cache
def jython_available() -> tuple[bool, str]:
    missing = [str(p) for p in JYTHON_CLASSPATH if not p.exists()]
    if missing or not shutil.which("java"):
        return False, "Jython 2.7.3 lane needs java and " + ", ".join(missing or ["java"])
    return True, ""


@functools.cache
def dovecot_available() -> tuple[bool, str]:
    from tests.support.dovecot import DOVECOT
    if os.path.exists(DOVECOT):
        return True, ""
    return False, "Dovecot lane needs Debian's dovecot-imapd"


@functools.cache
def gradle_available() -> tuple[bool, str]:
    if shutil.which("gradle"):
        return True, ""
    return False, "jar lane needs Debian's gradle"


@functools.cache
def chromium_available() -> tuple[bool, str]:
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return True, ""
    return False, "browser lane needs Debian's chromium"


@functools.cache
def postfix_available() -> tuple[bool, str]:
    from tests.support.postfix import available
    return available()


def synthetic_xsd_available() -> tuple[bool, str]:
    # Not cached: tests of the lookup change XLR_SYNTHETIC_XSD.
    from sandbox.schemas import synthetic_xsd
    path, why = synthetic_xsd()
    return path is not None, why


def synthetic_xsd_path() -> Path:
    """Digital.ai's synthetic.xsd for a test marked ``synthetic_xsd`` (the
    marker has made sure it is there)."""
    from sandbox.schemas import synthetic_xsd
    path, why = synthetic_xsd()
    if path is None:
        raise AssertionError("test not marked synthetic_xsd: " + why)
    return path


MARKERS = {
    "jython": jython_available,
    "dovecot": dovecot_available,
    "gradle": gradle_available,
    "chromium": chromium_available,
    "postfix": postfix_available,
    "synthetic_xsd": synthetic_xsd_available,
}


def lane_verdict(marker: str, environ=None) -> tuple[str, str]:
    """What a test marked ``marker`` does here: ("run", ""), ("skip", why) or
    ("fail", why) when REQUIRE_ALL_LANES=1 (as CI sets it)."""
    ok, why = MARKERS[marker]()
    if ok:
        return "run", ""
    env = os.environ if environ is None else environ
    if env.get("REQUIRE_ALL_LANES") == "1":
        return "fail", f"required lane '{marker}' is missing: {why}"
    return "skip", why


def jython_command(*args: str, python_path: list[Path] | None = None,
                   system_properties: dict[str, str] | None = None,
                   source_tree: bool = True) -> list[str]:
    """The command line that runs real Jython 2.7.3 with our library importable.

    ``source_tree=False`` leaves plugin/ and the vendored libraries off the
    path, e.g. to import everything from the built jar alone."""
    # Not JYTHON_LIB: the plugin imports its vendored copy from remote_completion/_vendor/.
    paths = ([REPO / "plugin"] if source_tree else []) + list(python_path or [])
    cmd = ["java", "-cp", os.pathsep.join(str(p) for p in JYTHON_CLASSPATH),
           "-Dpython.home=/usr/share/jython",
           "-Dpython.path=" + os.pathsep.join(str(p) for p in paths),
           "-Dpython.cachedir.skip=true"]
    for key, value in (system_properties or {}).items():
        cmd.append(f"-D{key}={value}")
    cmd += ["org.python.util.jython", *args]
    return cmd


def run_jython(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(jython_command(*args, **kwargs), capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


# --- the Jython checks runner (tests/jython/run_checks.py) -----------------

def discover_jython_checks(directory: Path = JYTHON_CHECKS_DIR) -> dict[str, dict]:
    """Check modules found without importing them (they need Jython):
    {module: {"checks": [check_* names in file order], "requires": (...)}}.

    A module that sets ``REQUIRES = ("dovecot",)`` (say) needs a service its
    own pytest module starts; the generic lane (tests/jython/test_jython_checks.py)
    leaves such modules to their owner.
    """
    found = {}
    for path in sorted(directory.glob("check_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        checks, requires = [], ()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("check_"):
                checks.append(node.name)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "REQUIRES" for t in node.targets):
                requires = tuple(ast.literal_eval(node.value))
        found[path.stem] = {"checks": checks, "requires": requires}
    return found


class JythonCheckRun:
    """One run of the runner: per-check results keyed by (module, check)."""

    def __init__(self, proc: subprocess.CompletedProcess):
        self.proc = proc
        self.summary = None
        for line in proc.stdout.splitlines():
            if line.startswith(SUMMARY_PREFIX):
                self.summary = json.loads(line[len(SUMMARY_PREFIX):])
        self.results = {}
        for item in (self.summary or {}).get("results", []):
            self.results[(item["module"], item["name"])] = item

    def output_tail(self, limit: int = 4000) -> str:
        return ("stdout:\n" + self.proc.stdout[-limit:] + "\nstderr:\n" + self.proc.stderr[-limit:])

    def failure(self, module: str, name: str) -> str | None:
        """None when the check passed, else why it did not."""
        if self.summary is None:
            return "the runner printed no summary (rc=%s)\n%s" % (
                self.proc.returncode, self.output_tail())
        item = self.results.get((module, name))
        if item is None:
            return "the runner did not run %s.%s" % (module, name)
        return None if item["ok"] else item["error"]


def run_jython_checks(modules: list[str] | None = None, context: dict | None = None,
                      timeout: float = 600, **kwargs) -> JythonCheckRun:
    """Run check modules (default: all without REQUIRES) in ONE Jython JVM.

    ``context`` (JSON-able) reaches every check that takes one argument, e.g.
    the port and CA file of a server the calling pytest module started.
    """
    if modules is None:
        modules = [m for m, info in discover_jython_checks().items() if not info["requires"]]
    args = [str(JYTHON_RUNNER)]
    with tempfile.TemporaryDirectory(prefix="jython-checks-") as tmp:
        if context is not None:
            ctx_file = Path(tmp) / "context.json"
            ctx_file.write_text(json.dumps(context), encoding="utf-8")
            args += ["--context", str(ctx_file)]
        args += list(modules)
        proc = run_jython(*args, timeout=timeout, **kwargs)
    return JythonCheckRun(proc)


# --- the plugin jar (build.gradle) -----------------------------------------

def project_version() -> str:
    for line in (REPO / "gradle.properties").read_text().splitlines():
        if line.startswith("version="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("gradle.properties has no version")


def build_plugin_jar(out_dir: Path, project_dir: Path = REPO, timeout: float = 600) -> Path:
    """Run Debian's gradle 4.4.1 offline: ``project_dir``'s jar built into
    ``out_dir`` (not build/, so parallel runs do not collide). Returns the jar."""
    out_dir = Path(out_dir)
    cmd = ["gradle", "--offline", "--no-daemon", "--quiet", "--console=plain",
           f"--project-cache-dir={out_dir / '.gradle'}", f"-PoutputDir={out_dir}", "jar"]
    proc = subprocess.run(cmd, cwd=project_dir, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"gradle failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    jar = out_dir / "libs" / f"xlr-remote-completion-plugin-{project_version()}.jar"
    if not jar.is_file():
        raise AssertionError(
            f"gradle built no {jar.name}: {sorted(p.name for p in out_dir.rglob('*.jar'))}"
        )
    return jar
