# -*- coding: utf-8 -*-
"""Compiles the given .py files as Python 2.7 with Jython's py_compile.

Usage: jython tests/jython/compile_all.py OUT_DIR FILE...
Compiled classes go to OUT_DIR (never beside the sources).  The last line is
``JYTHON_COMPILE_SUMMARY {"compiled": n, "errors": {file: message}}``.
"""
from __future__ import absolute_import, print_function, unicode_literals

import json
import os
import py_compile
import sys

SUMMARY_PREFIX = 'JYTHON_COMPILE_SUMMARY '


def main(argv):
    out_dir, files = argv[0], argv[1:]
    errors = {}
    for index, path in enumerate(files):
        target = os.path.join(out_dir, '%04d$py.class' % index)
        try:
            py_compile.compile(path, cfile=target, doraise=True)
        except Exception as exc:  # PyCompileError, or Jython's own SyntaxError
            errors[path] = ('%s' % (exc,))[:2000]
    print(SUMMARY_PREFIX + json.dumps({'compiled': len(files) - len(errors), 'errors': errors},
                                      sort_keys=True))
    return 0 if not errors else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
