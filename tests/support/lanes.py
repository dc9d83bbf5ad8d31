"""Which optional test lanes this machine can run, and how to run Jython."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JAVA_DIR = Path("/usr/share/java")
JYTHON_JAR = JAVA_DIR / "jython.jar"
# Jython's ssl module needs BouncyCastle on the class path.
JYTHON_CLASSPATH = [JYTHON_JAR, JAVA_DIR / "bcprov.jar", JAVA_DIR / "bcpkix.jar"]


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


MARKERS = {
    "jython": jython_available,
    "dovecot": dovecot_available,
    "gradle": gradle_available,
}


def jython_command(*args: str, python_path: list[Path] | None = None,
                   system_properties: dict[str, str] | None = None) -> list[str]:
    """The command line that runs real Jython 2.7.3 with our library importable."""
    paths = [REPO / "plugin"] + list(python_path or [])
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
