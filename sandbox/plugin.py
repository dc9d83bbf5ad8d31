"""Loading a plugin the way XL Release does: from a source tree or from a jar.

XL Release reads ``synthetic.xml`` (and, for this project, ``xl-rules.xml``)
from ``ext/`` and from the root of every jar in ``plugins/__local__/``; the
ext folder and the jars are on its class path, so their Python files are
importable (Jython's ``__pyclasspath__``) and their scripts are found by a
path relative to that root (``remoteCompletion/StartTask.py``).

A ``Plugin`` here is one such root.  ``activate()`` puts its library on
``sys.path`` (first, so the plugin under test is the one imported) and
shadows any copy of its packages imported from elsewhere; ``deactivate()``
undoes that and gives the earlier copies back.  Third-party packages the
host itself provides (pyhocon, pyparsing) are imported from the host before
a jar goes on the path, so a Jython copy bundled in a jar never shadows
CPython's.
"""
from __future__ import annotations

import importlib
import sys
import tempfile
import zipfile
from pathlib import Path

from .errors import PluginError

SYNTHETIC = "synthetic.xml"
RULES = "xl-rules.xml"
HOST_PROVIDED = ("pyhocon", "pyparsing")


def _top_level_in_dir(root: Path) -> set[str]:
    names = set()
    if not root.is_dir():
        return names
    for entry in root.iterdir():
        if entry.is_dir() and (entry / "__init__.py").exists():
            names.add(entry.name)
        elif entry.suffix == ".py" and entry.is_file():
            names.add(entry.stem)
    return names


def _take_modules(names) -> dict:
    """Remove imported copies of ``names`` from sys.modules and return them."""
    return {
        name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in names
    }


class Plugin:
    """One plugin root: its type definitions, rules, scripts and library."""

    def __init__(self, name: str, synthetic: bytes, rules: bytes | None,
                 library_paths: list[str], top_level: set[str], location: str):
        self.name = name
        self.synthetic = synthetic
        self.rules = rules
        self.library_paths = library_paths
        self.top_level = top_level
        self.location = location
        self._active = False

    # --- construction -----------------------------------------------------
    @classmethod
    def from_source_tree(cls, scripts: Path, libraries=(), synthetic: Path | None = None,
                         rules: Path | None = None, name: str | None = None) -> "SourcePlugin":
        """A development tree: ``scripts`` is the ext-style root (``prefix/Name.py``)."""
        scripts = Path(scripts).resolve()
        if not scripts.is_dir():
            raise PluginError("plugin script folder %s does not exist" % scripts)
        synthetic = Path(synthetic) if synthetic else scripts / SYNTHETIC
        if not synthetic.exists():
            raise PluginError("no %s at %s" % (SYNTHETIC, synthetic))
        rules = Path(rules) if rules else scripts / RULES
        libraries = [Path(p).resolve() for p in libraries]
        for lib in libraries:
            if not lib.is_dir():
                raise PluginError("plugin library folder %s does not exist" % lib)
        top = set()
        for root in [scripts] + libraries:
            top |= _top_level_in_dir(root)
        return SourcePlugin(
            name=name or scripts.name, synthetic=synthetic.read_bytes(),
            rules=rules.read_bytes() if rules.exists() else None,
            library_paths=[str(p) for p in libraries + [scripts]], top_level=top,
            location=str(scripts), scripts_root=scripts)

    @classmethod
    def from_repo(cls, repo: Path) -> "SourcePlugin":
        """This project's layout: scripts in ``ext/``, library in ``plugin/``,
        ``synthetic.xml``/``xl-rules.xml`` in ``ext/`` or at the top."""
        repo = Path(repo).resolve()

        def find(filename):
            for candidate in (
                repo / "ext" / filename, repo / filename, repo / "resources" / filename):
                if candidate.exists():
                    return candidate
            return None

        synthetic = find(SYNTHETIC)
        if synthetic is None:
            raise PluginError(
                "no %s in %s (looked in ext/, the top and resources/)" % (SYNTHETIC, repo)
            )
        return cls.from_source_tree(repo / "ext", libraries=[repo / "plugin"], synthetic=synthetic,
                                    rules=find(RULES) or repo / "ext" / RULES, name=repo.name)

    @classmethod
    def from_jar(cls, jar: Path) -> "JarPlugin":
        jar = Path(jar).resolve()
        try:
            archive = zipfile.ZipFile(jar)
        except (OSError, zipfile.BadZipFile) as exc:
            raise PluginError("%s is not a plugin jar: %s" % (jar, exc)) from None
        with archive:
            names = set(archive.namelist())
            if SYNTHETIC not in names:
                raise PluginError("%s has no %s at its root" % (jar, SYNTHETIC))
            synthetic = archive.read(SYNTHETIC)
            rules = archive.read(RULES) if RULES in names else None
        top = set()
        for entry in names:
            parts = entry.split("/")
            if len(parts) == 2 and parts[1] == "__init__.py":
                top.add(parts[0])
            elif len(parts) == 1 and entry.endswith(".py"):
                top.add(entry[:-3])
        return JarPlugin(name=jar.stem, synthetic=synthetic, rules=rules,
                         library_paths=[str(jar)], top_level=top, location=str(jar), jar=jar,
                         names=names)

    @classmethod
    def from_home(cls, home: Path) -> list["Plugin"]:
        """What XL Release would load from a server home: ``ext/`` first, then the jars."""
        home = Path(home)
        plugins = []
        if (home / "ext" / SYNTHETIC).exists():
            plugins.append(cls.from_source_tree(home / "ext"))
        local = home / "plugins" / "__local__"
        if local.is_dir():
            plugins += [cls.from_jar(jar) for jar in sorted(local.glob("*.jar"))]
        return plugins

    # --- scripts ------------------------------------------------------------
    def has_script(self, path: str) -> bool:
        raise NotImplementedError

    def read_script(self, path: str) -> tuple[str, str]:
        """(source text, file name for tracebacks) of ``prefix/Name.py``."""
        raise NotImplementedError

    # --- the library on sys.path -------------------------------------------
    def activate(self):
        if self._active:
            return
        for name in HOST_PROVIDED:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        # Host-provided packages stay as imported: a jar's Jython copies must not replace them.
        # A server is a JVM of its own: it gets fresh modules.  Copies imported
        # before are shadowed, not destroyed, and come back on deactivate(), so
        # callers that hold them never end up with a twin the plugin ignores.
        self._shadowed = _take_modules(self.top_level - set(HOST_PROVIDED))
        for entry in reversed(self.library_paths):
            sys.path.insert(0, entry)
        importlib.invalidate_caches()
        self._active = True

    def deactivate(self):
        if not self._active:
            return
        for entry in self.library_paths:
            if entry in sys.path:
                sys.path.remove(entry)
        _take_modules(self.top_level - set(HOST_PROVIDED))
        sys.modules.update(self._shadowed)
        self._shadowed = {}
        importlib.invalidate_caches()
        self._active = False

    def __repr__(self):
        return "<%s %s at %s>" % (type(self).__name__, self.name, self.location)


def _check_script_path(path: str) -> str:
    path = str(path).replace("\\", "/")
    if path.startswith("/") or ".." in path.split("/") or not path.endswith(".py"):
        raise PluginError("script path %r is not a prefix/Name.py path inside the plugin" % (path,))
    return path


class SourcePlugin(Plugin):
    def __init__(self, scripts_root: Path, **kw):
        super().__init__(**kw)
        self.scripts_root = scripts_root

    def has_script(self, path):
        return (self.scripts_root / _check_script_path(path)).is_file()

    def read_script(self, path):
        file = self.scripts_root / _check_script_path(path)
        if not file.is_file():
            raise PluginError("script %s not found in %s" % (path, self.scripts_root))
        return file.read_text(encoding="utf-8"), str(file)


class JarPlugin(Plugin):
    def __init__(self, jar: Path, names: set[str], **kw):
        super().__init__(**kw)
        self.jar = jar
        self.names = names

    def has_script(self, path):
        return _check_script_path(path) in self.names

    def read_script(self, path):
        path = _check_script_path(path)
        if path not in self.names:
            raise PluginError("script %s not found in %s" % (path, self.jar))
        with zipfile.ZipFile(self.jar) as archive:
            return archive.read(path).decode("utf-8"), "%s/%s" % (self.jar, path)


def build_jar(source_dirs, jar: Path) -> Path:
    """Zip folders' contents at the jar root (as ``cd ext && zip -r ../x.jar .``).

    For tests and the demo when no gradle-built jar is at hand.
    """
    jar = Path(jar)
    jar.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in source_dirs:
            source = Path(source)
            if source.is_file():
                archive.write(source, source.name)
                continue
            for file in sorted(source.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, file.relative_to(source).as_posix())
    return jar


def temp_home(prefix: str = "xlr-sandbox-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
