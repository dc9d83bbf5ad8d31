# -*- coding: utf-8 -*-
"""remote_completion.settings on Jython 2.7.3 with the vendored pyhocon."""
from __future__ import absolute_import, unicode_literals

import io
import os
import shutil
import tempfile

import settings_cases
from remote_completion import settings


def _tempdir():
    return tempfile.mkdtemp(prefix='xlrc-settings-')


def check_vendored_pyhocon_and_pyparsing_import():
    # settings takes pyhocon from inside the plugin's own package on Jython,
    # never a top-level copy (another plugin's could sit at the jar root).
    factory = settings._config_factory()
    from remote_completion._vendor import pyhocon, pyparsing
    assert factory is pyhocon.ConfigFactory
    assert pyparsing.__version__ == '2.4.7', pyparsing.__version__
    for module in (pyhocon, pyparsing):
        path = os.path.abspath(module.__file__).replace(os.sep, '/')
        assert '/plugin/remote_completion/_vendor/' in path, path
    import sys
    assert 'pyhocon' not in sys.modules and 'pyparsing' not in sys.modules


def check_all_cases():
    failures = []
    for case in settings_cases.CASES:
        try:
            settings_cases.run_case(settings, case)
        except AssertionError as exc:
            failures.append('%s' % (exc,))
    assert not failures, '\n'.join(failures)
    assert len(settings_cases.CASES) > 50


def check_missing_file_means_defaults():
    tmp = _tempdir()
    try:
        result = settings.load(os.path.join(tmp, 'conf', 'xl-release.conf'))
        assert result == settings.defaults()
        assert result.source is None
    finally:
        shutil.rmtree(tmp)


def check_server_home_from_environment_and_include():
    tmp = _tempdir()
    try:
        os.mkdir(os.path.join(tmp, 'conf'))
        with io.open(os.path.join(tmp, 'conf', 'extra.conf'), 'w', encoding='utf-8') as handle:
            handle.write('xl.remote-completion.batch-size = 11\n')
        with io.open(os.path.join(tmp, 'conf', 'xl-release.conf'), 'w', encoding='utf-8') as handle:
            handle.write('include "extra.conf"\n'
                         '# \u00e9t\u00e9: non-ASCII comment\n'
                         'xl.remote-completion { sync-interval = 7 seconds }\n')
        environ = {settings.ENV_HOME: tmp}
        assert settings.server_home(environ) == tmp
        assert settings.conf_path(environ) == os.path.join(tmp, 'conf', 'xl-release.conf')
        result = settings.load(environ=environ)
        assert result.sync_interval == 7.0 and result.batch_size == 11, result
        assert result.source == os.path.join(tmp, 'conf', 'xl-release.conf')
    finally:
        shutil.rmtree(tmp)


def check_server_home_falls_back_to_java_user_dir():
    from java.lang import System
    assert settings.server_home({}) == System.getProperty('user.dir')
    assert settings.server_home({settings.ENV_HOME: '  '}) == System.getProperty('user.dir')


def check_unreadable_files_raise_settings_error():
    tmp = _tempdir()
    try:
        bad = os.path.join(tmp, 'latin1.conf')
        with open(bad, 'wb') as handle:
            handle.write(b'xl.remote-completion.batch-size = 5 # \xe9\xff\n')
        try:
            settings.load(bad)
        except settings.SettingsError as exc:
            assert 'not UTF-8' in '%s' % (exc,) and bad in '%s' % (exc,)
        else:
            raise AssertionError('no SettingsError for a non-UTF-8 file')
        try:
            settings.load(tmp)  # a directory
        except settings.SettingsError as exc:
            assert 'cannot read' in '%s' % (exc,)
        else:
            raise AssertionError('no SettingsError for a directory')
    finally:
        shutil.rmtree(tmp)


def check_settings_error_is_a_value_error():
    try:
        settings.from_text('xl.remote-completion.batch-size = 0')
    except ValueError as exc:
        assert isinstance(exc, settings.SettingsError)
        assert exc.key == 'xl.remote-completion.batch-size'
    else:
        raise AssertionError('no error')


def check_read_only_and_cached_load():
    result = settings.defaults()
    try:
        result.batch_size = 1
    except AttributeError:
        pass
    else:
        raise AssertionError('Settings accepted an assignment')
    assert result.replace(batch_size=2).batch_size == 2 and result.batch_size == 50
    tmp = _tempdir()
    try:
        path = os.path.join(tmp, 'xl-release.conf')
        with io.open(path, 'w', encoding='utf-8') as handle:
            handle.write('xl.remote-completion.batch-size = 9\n')
        first = settings.load(path)
        assert settings.load(path) is first and first.batch_size == 9
        with io.open(path, 'w', encoding='utf-8') as handle:
            handle.write('xl.remote-completion.batch-size = 123\n')  # a new size
        assert settings.load(path).batch_size == 123
    finally:
        shutil.rmtree(tmp)


def check_outside_xl_release_the_missing_xlr_config_is_looked_for_once():
    """No XlrConfig in this JVM: the failed Java import (about 2.5 ms) is
    not tried again by the waiting scripts' settings reads."""
    import __builtin__
    assert settings.server_config() is None
    tried = []
    real_import = __builtin__.__import__

    def counting_import(name, *args, **kwargs):
        if name.startswith('com.xebialabs'):
            tried.append(name)
        return real_import(name, *args, **kwargs)
    __builtin__.__import__ = counting_import
    try:
        assert settings.server_config() is None
    finally:
        __builtin__.__import__ = real_import
    assert tried == []
