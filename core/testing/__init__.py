"""The programme test kit: the fixtures every test of the platform and of a plugin gets.

``core.testing.fixtures`` is loaded as a pytest plugin by the repository's root
``conftest.py``, so the tests of core (``tests/``) and of each plugin
(``plugins/<key>/tests/``) share one app, one database and the same sign-in helpers.
"""
