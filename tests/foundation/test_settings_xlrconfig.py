"""Inside XL Release the settings come from the server's resolved
configuration (XlrConfig.getInstance().getRootConfig(), a Typesafe Config):
same keys, defaults and checks as the file, and the file is then not read.
Stand-ins of the same shape: a Python module on CPython, a compiled Java
class on real Jython."""
from __future__ import annotations

import subprocess
import sys

import pytest

from remote_completion import settings
from tests.support import lanes

REPO = lanes.REPO
PY_STAND_IN = REPO / "tests" / "fixtures" / "xlrconfig_py"
JAVA_STAND_IN = (REPO / "tests" / "fixtures" / "java" / "xlrconfig" / "com" / "xebialabs"
                 / "xlrelease" / "config" / "XlrConfig.java")


@pytest.fixture
def xlr_config(monkeypatch):
    """The stand-in importable as com.xebialabs.xlrelease.config; its ROOT dict."""
    monkeypatch.syspath_prepend(str(PY_STAND_IN))
    for name in [n for n in sys.modules if n == "com" or n.startswith("com.")]:
        monkeypatch.delitem(sys.modules, name)
    import com.xebialabs.xlrelease.config as stand_in
    monkeypatch.setattr(stand_in, "ROOT", {})
    yield stand_in
    for name in [n for n in sys.modules if n == "com" or n.startswith("com.")]:
        del sys.modules[name]


def test_outside_xl_release_there_is_no_server_configuration():
    assert settings.server_config() is None


def test_values_come_from_xlr_config_not_the_file(xlr_config, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { batch-size = 3, sync-interval = 99 seconds }\n")
    xlr_config.ROOT.update({"xl": {"remote-completion": {
        "sync-interval": "7 seconds", "batch-size": 11, "push-enabled": False,
        "max-message-size": "2 MiB", "network-timeout": 1500, "typo-key": "x"}}})
    result = settings.load(environ={settings.ENV_HOME: str(tmp_path)})
    assert (result.sync_interval, result.batch_size, result.push_enabled) == (7.0, 11, False)
    assert result.max_message_size == 2 * 2 ** 20 and result.network_timeout == 1.5
    assert result.source == settings.SERVER_SOURCE and result.unknown_keys == ("typo-key",)
    # An explicit path still means that file (tests, tools).
    assert settings.load(str(tmp_path / "conf" / "xl-release.conf")).batch_size == 3


def test_no_section_means_defaults(xlr_config):
    xlr_config.ROOT.update({"xl": {"server": {"port": 5516}}})
    result = settings.load()
    assert result == settings.defaults() and result.source == settings.SERVER_SOURCE


@pytest.mark.parametrize("section,key,fragment", [
    ({"batch-size": 0}, "batch-size", "at least 1"),
    ({"sync-interval": "2 fortnights"}, "sync-interval", "unknown time unit"),
    ({"mail-debug": None}, "mail-debug", "is null"),
    ({"fetching-enabled": "perhaps"}, "fetching-enabled", "not a boolean"),
])
def test_bad_values_name_the_key_and_the_server_configuration(xlr_config, section, key, fragment):
    xlr_config.ROOT.update({"xl": {"remote-completion": section}})
    with pytest.raises(settings.SettingsError) as caught:
        settings.load()
    assert caught.value.key == "xl.remote-completion." + key
    assert fragment in str(caught.value) and settings.SERVER_SOURCE in str(caught.value)


def test_a_section_that_is_not_an_object(xlr_config):
    xlr_config.ROOT.update({"xl": {"remote-completion": "db-password-lookalike"}})
    with pytest.raises(settings.SettingsError) as caught:
        settings.load()
    assert "must be an object" in str(caught.value)
    assert "db-password-lookalike" not in str(caught.value)


@pytest.mark.jython
def test_jython_reads_xlr_config_through_the_java_class(tmp_path):
    ok, why = lanes.jython_available()
    if not ok:
        pytest.skip(why)
    classes = tmp_path / "classes"
    subprocess.run(["javac", "-d", str(classes), str(JAVA_STAND_IN)], check=True)
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "xl-release.conf").write_text("xl.remote-completion.batch-size = 3\n")
    script = tmp_path / "check.py"
    script.write_text(JYTHON_SCRIPT % {"home": str(home)})
    proc = lanes.run_jython(str(script), python_path=[classes])
    assert proc.returncode == 0 and "XLRCONFIG-OK" in proc.stdout, (
        proc.stdout[-3000:] + proc.stderr[-3000:])


JYTHON_SCRIPT = r'''
from __future__ import absolute_import, unicode_literals
import sys
from java.lang import Boolean, Integer, Long
from java.util import ArrayList, HashMap
from com.xebialabs.xlrelease.config import XlrConfig
from remote_completion import settings

def jmap(**values):
    result = HashMap()
    for key, value in values.items():
        result.put(key.replace('_', '-'), value)
    return result

home = {settings.ENV_HOME: %(home)r}
section = jmap(sync_interval='7 seconds', batch_size=Integer(11), push_enabled=Boolean(False),
               claim_timeout=Long(20000), max_message_size='512 KiB')
XlrConfig.setRoot(jmap(xl=jmap(remote_completion=section)))
result = settings.load(environ=home)
assert (result.sync_interval, result.batch_size, result.push_enabled) == (7.0, 11, False), result
assert result.claim_timeout == 20.0 and result.max_message_size == 512 * 1024, result
assert type(result.batch_size) in (int, long) and result.push_enabled is False
assert result.source == settings.SERVER_SOURCE, result.source
assert XlrConfig.rootConfigCalls >= 1

XlrConfig.setRoot(jmap(xl=jmap(server=jmap(port=Integer(5516)))))
assert settings.load(environ=home) == settings.defaults()

XlrConfig.setRoot(jmap(xl=jmap(remote_completion=jmap(batch_size=Integer(0)))))
try:
    settings.load(environ=home)
except settings.SettingsError as error:
    assert error.key == 'xl.remote-completion.batch-size', error.key
else:
    raise AssertionError('batch-size 0 accepted')

XlrConfig.setRoot(jmap(xl=jmap(remote_completion='not an object')))
try:
    settings.load(environ=home)
except settings.SettingsError as error:
    assert 'must be an object' in '%%s' %% error and 'not an object' not in '%%s' %% error
else:
    raise AssertionError('a string section accepted')

XlrConfig.setRoot(jmap(xl=jmap(remote_completion=jmap(domain_list=ArrayList()))))
assert settings.load(environ=home).unknown_keys == ('domain-list',)
# The file (batch-size = 3) was never the source while XlrConfig answered.
assert 'pyhocon' not in sys.modules
print('XLRCONFIG-OK')
'''
