"""XL Release remote completion: complete or fail a release task by email.

Runs unchanged on Jython 2.7.3 (inside XL Release) and CPython 3.11+.
See docs/host-contract.md for the module map.
"""
