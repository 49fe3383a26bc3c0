"""Configuration: production refuses to start unsafely, and says what to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import DEFAULT_SECRET, ConfigurationError, ProductionConfig, config_from_env
from core.app import create_app

GOOD = {
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql+psycopg://u:p@db/samvirke",
    "REDIS_URL": "redis://redis:6379/0",
    # tests/test_production_config.py is about these: the key, the platform provider, each tenant's secret.
    "FIELD_ENCRYPTION_KEY": "q6aTL4xnoN1mhHDVEMOmA7Wf2wHgfjqNuL-z1kY2xWk=",
    "SAMVIRKE_PLATFORM_OIDC_ISSUER": "https://login.example.dk/realms/samvirke",
    "SAMVIRKE_OIDC_SECRET_PLATFORM": "platform-secret",
    "SAMVIRKE_TENANTS_DIR": str(Path(__file__).parent / "tenants"),
    "SAMVIRKE_OIDC_SECRET_ALPHA": "a",
    "SAMVIRKE_OIDC_SECRET_BETA": "b",
    "SAMVIRKE_OIDC_SECRET_GAMMA": "c",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY"), ("DATABASE_URL", "DATABASE_URL"), ("REDIS_URL", "REDIS_URL")],
)
def test_production_refuses_to_start_without_each_setting(monkeypatch, missing, message):
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(missing)
    monkeypatch.setenv("SAMVIRKE_CONFIG", "production")
    with pytest.raises(ConfigurationError, match=message):
        create_app()


def test_production_refuses_the_default_secret(monkeypatch):
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ConfigurationError, match="SECRET_KEY: set it to a random value"):
        ProductionConfig.validate()


def test_production_with_everything_set_builds_and_has_no_dev_login(monkeypatch):
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SAMVIRKE_CONFIG", "production")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == GOOD["DATABASE_URL"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "auth.sign_in_page" not in app.view_functions
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code in (200, 500)  # the point is the app builds; no database here


def test_unknown_config_name_is_refused(monkeypatch):
    monkeypatch.setenv("SAMVIRKE_CONFIG", "staging")
    with pytest.raises(ConfigurationError, match="staging"):
        config_from_env()
