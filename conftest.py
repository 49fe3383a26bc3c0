"""The test kit for every test folder: core's (tests/) and each plugin's (plugins/<key>/tests/)."""

pytest_plugins = ["core.testing.fixtures"]
