# -*- coding: utf-8 -*-
"""Runs Jython-side checks in one JVM and prints a JSON summary line.

Usage (on Jython 2.7.3, see tests/support/lanes.py run_jython_checks):

    jython tests/jython/run_checks.py [--context FILE.json] [check_module ...]

Every ``check_*`` function defined in ``tests/jython/checks/check_*.py`` runs
in file order (all modules when none is named).  A check passes when it
returns; an exception (usually an ``assert``) fails it.  A check that takes
one argument receives the ``--context`` JSON (a dict).  The last line of
output is ``JYTHON_CHECKS_SUMMARY {...}``; the exit status is 0 only when
every check passed.
"""
from __future__ import absolute_import, print_function, unicode_literals

import io
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKS_DIR = os.path.join(HERE, 'checks')
SUMMARY_PREFIX = 'JYTHON_CHECKS_SUMMARY '
MAX_ERROR = 4000


def discover():
    return sorted(name[:-3] for name in os.listdir(CHECKS_DIR)
                  if name.startswith('check_') and name.endswith('.py'))


def _checks_of(module):
    found = []
    for name in dir(module):
        func = getattr(module, name)
        if not name.startswith('check_') or not callable(func):
            continue
        if getattr(func, '__module__', None) != module.__name__:
            continue  # imported from elsewhere
        found.append((func.__code__.co_firstlineno, name, func))
    return [(name, func) for _line, name, func in sorted(found)]


def _error_text():
    text = traceback.format_exc()
    if len(text) > MAX_ERROR:
        text = '...' + text[-MAX_ERROR:]
    return text


def run(modules, context):
    results = []
    for module_name in modules:
        started = time.time()
        try:
            module = __import__(module_name)
        except Exception:
            results.append({'module': module_name, 'name': '<import>', 'ok': False,
                            'error': _error_text(), 'seconds': time.time() - started})
            continue
        for name, func in _checks_of(module):
            started = time.time()
            print('RUN %s.%s' % (module_name, name))
            sys.stdout.flush()
            try:
                if func.__code__.co_argcount >= 1:
                    func(context)
                else:
                    func()
            except Exception:
                ok, error = False, _error_text()
            else:
                ok, error = True, None
            results.append({'module': module_name, 'name': name, 'ok': ok, 'error': error,
                            'seconds': round(time.time() - started, 3)})
            print('%s %s.%s' % ('PASS' if ok else 'FAIL', module_name, name))
            if error:
                print(error)
            sys.stdout.flush()
    return results


def main(argv):
    context = {}
    modules = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == '--context':
            with io.open(args.pop(0), encoding='utf-8') as handle:
                context = json.load(handle)
        else:
            modules.append(arg)
    sys.path.insert(0, CHECKS_DIR)
    results = run(modules or discover(), context)
    failed = [r for r in results if not r['ok']]
    summary = {'python': sys.version.split()[0], 'platform': sys.platform,
               'total': len(results), 'passed': len(results) - len(failed),
               'failed': len(failed), 'results': results}
    print(SUMMARY_PREFIX + json.dumps(summary, sort_keys=True))
    sys.stdout.flush()
    return 0 if not failed else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
