"""Production configuration: the field-encryption key, key rotation, the identity providers'
secrets, no development defaults, and reproducible, declared dependencies."""

from __future__ import annotations

import ast
import base64
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from sqlalchemy import select, text

from config import ConfigurationError, ProductionConfig
from core.app import create_app
from core.crypto import EncryptedString, derived_key
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from tests.test_config import GOOD

ROOT = Path(__file__).resolve().parent.parent
KEY = GOOD["FIELD_ENCRYPTION_KEY"]
OTHER_KEY = "0-0b2vJbXlu_3O8VZ9TfJ4qoyCwWAb3Q9Vbp2kdO0cQ="
CPR = "0101901234"


def production(monkeypatch, **changes: str | None):
    """The environment of a complete production deployment, with ``changes`` (None: unset)."""
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    for name in ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_OLD_KEYS"):
        monkeypatch.delenv(name, raising=False)
    for key, change in changes.items():
        if change is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, change)
    monkeypatch.setenv("SAMVIRKE_CONFIG", "production")


def refusal(monkeypatch, **changes: str | None) -> str:
    production(monkeypatch, **changes)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    return str(refused.value)


def _encrypt(app, value: str) -> str:
    with app.app_context():
        token = EncryptedString().process_bind_param(value, None)
    assert token is not None
    return token


def _decrypt(app, token: str) -> str:
    with app.app_context():
        value = EncryptedString().process_result_value(token, None)
    assert value is not None
    return value


# --- The field-encryption key -------------------------------------------------------


def test_production_refuses_to_start_without_the_field_encryption_key(monkeypatch):
    message = refusal(monkeypatch, FIELD_ENCRYPTION_KEY=None)
    assert "FIELD_ENCRYPTION_KEY: set it to a key of its own" in message and "Fernet.generate_key()" in message


@pytest.mark.parametrize("bad", ["not-a-key", "x" * 44, base64.urlsafe_b64encode(b"short").decode()])
def test_production_refuses_a_key_that_is_not_a_fernet_key(monkeypatch, bad):
    assert "FIELD_ENCRYPTION_KEY: the first key is not a Fernet key" in refusal(monkeypatch, FIELD_ENCRYPTION_KEY=bad)


def test_production_refuses_the_development_key_derived_from_the_secret_key(monkeypatch):
    message = refusal(monkeypatch, FIELD_ENCRYPTION_KEY=derived_key(GOOD["SECRET_KEY"]))
    assert "the development key derived from SECRET_KEY" in message


def test_production_refuses_an_invalid_old_key_and_ambiguous_settings(monkeypatch):
    assert "FIELD_ENCRYPTION_OLD_KEYS: key 2 is not a Fernet key" in refusal(monkeypatch, FIELD_ENCRYPTION_OLD_KEYS="nope")
    assert "not both" in refusal(monkeypatch, FIELD_ENCRYPTION_KEYS=f"{KEY},{OTHER_KEY}")
    assert "without FIELD_ENCRYPTION_KEY" in refusal(monkeypatch, FIELD_ENCRYPTION_KEY=None, FIELD_ENCRYPTION_OLD_KEYS=KEY)


def test_production_encrypts_under_its_key_not_the_secret_key(monkeypatch):
    production(monkeypatch)
    token = _encrypt(create_app(), CPR)
    assert Fernet(KEY.encode()).decrypt(token.encode()).decode() == CPR
    # A new SECRET_KEY (sessions signed anew) leaves the CPR numbers readable.
    production(monkeypatch, SECRET_KEY="y" * 40)
    assert _decrypt(create_app(), token) == CPR


def test_keys_rotate_newest_first(monkeypatch):
    old_token = Fernet(OTHER_KEY.encode()).encrypt(CPR.encode()).decode()
    production(monkeypatch, FIELD_ENCRYPTION_KEY=None, FIELD_ENCRYPTION_KEYS=f"{KEY}, {OTHER_KEY}")
    app = create_app()
    assert _decrypt(app, old_token) == CPR  # the old key still opens
    assert Fernet(KEY.encode()).decrypt(_encrypt(app, CPR).encode()).decode() == CPR  # new values: the newest
    production(monkeypatch, FIELD_ENCRYPTION_OLD_KEYS=OTHER_KEY)  # the same, as KEY + OLD_KEYS
    assert _decrypt(create_app(), old_token) == CPR
    # The derived key of an installation from before FIELD_ENCRYPTION_KEY was read may be an old key.
    legacy = Fernet(derived_key(GOOD["SECRET_KEY"]).encode()).encrypt(CPR.encode()).decode()
    production(monkeypatch, FIELD_ENCRYPTION_OLD_KEYS=derived_key(GOOD["SECRET_KEY"]))
    assert _decrypt(create_app(), legacy) == CPR


def test_development_and_tests_run_without_a_key_on_a_marked_development_key(app, caplog):
    assert not app.config["FIELD_ENCRYPTION_KEY"] and app.config["FIELD_ENCRYPTION_DEV_KEY_ALLOWED"] is True
    token = _encrypt(app, CPR)
    assert Fernet(derived_key(app.config["SECRET_KEY"]).encode()).decrypt(token.encode()).decode() == CPR
    assert ProductionConfig.FIELD_ENCRYPTION_DEV_KEY_ALLOWED is False


def test_a_production_app_never_falls_back_to_the_development_key(monkeypatch):
    production(monkeypatch)
    app = create_app()
    app.config["FIELD_ENCRYPTION_KEY"] = ""  # e.g. overridden after start-up
    with pytest.raises(RuntimeError, match="development key is refused"):
        _encrypt(app, CPR)


# --- samvirke crypto rotate ------------------------------------------------------------


def _mother_with_cpr(app, tenant: int, name: str, cpr: str) -> int:
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant):
        mother = create_mother({"name": name, "cpr": cpr}, "test")
        db.session.commit()
        return mother.id


def _stored(app) -> dict[int, str]:
    with app.app_context(), cross_tenant("test: the stored tokens"):
        return dict(db.session.execute(text("SELECT id, cpr FROM mother_groups_mothers WHERE cpr IS NOT NULL")).all())


def _opens(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
        return True
    except InvalidToken:
        return False


def test_rotate_re_encrypts_every_encrypted_column_of_every_tenant(app, runner, monkeypatch, tenant_a, tenant_b):
    dev_key = derived_key(app.config["SECRET_KEY"])
    ids = [_mother_with_cpr(app, tenant_a, "Mor A", "0101901234"), _mother_with_cpr(app, tenant_b, "Mor B", "0202902345")]
    assert all(_opens(dev_key, t) for t in _stored(app).values())
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEYS", f"{KEY},{dev_key}")
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "mother_groups_mothers.cpr" in result.output and "alpha: 1 values re-encrypted" in result.output
    assert "beta: 1 values re-encrypted" in result.output
    stored = _stored(app)
    assert all(_opens(KEY, stored[i]) and not _opens(dev_key, stored[i]) for i in ids)
    # The old key can go: everything reads under the new one alone.
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEYS", KEY)
    from plugins.mother_groups.models import Mother

    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Mother.cpr)).all() == ["0101901234"]
    assert runner.invoke(args=["crypto", "rotate"]).exit_code == 0  # again: harmless


def test_rotate_is_one_transaction_per_tenant(app, runner, monkeypatch, tenant_a, tenant_b):
    dev_key = derived_key(app.config["SECRET_KEY"])
    alpha = _mother_with_cpr(app, tenant_a, "Mor A", "0101901234")
    beta = [_mother_with_cpr(app, tenant_b, f"Mor B{n}", f"020290234{n}") for n in range(2)]
    stranger = Fernet(Fernet.generate_key()).encrypt(b"0303903456").decode()  # under no configured key
    with app.app_context(), tenant_context(tenant_b):
        db.session.execute(text("UPDATE mother_groups_mothers SET cpr = :t WHERE id = :i"), {"t": stranger, "i": beta[1]})
        db.session.commit()
    before = _stored(app)
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEYS", f"{KEY},{dev_key}")
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 1 and "failed: beta" in result.output
    after = _stored(app)
    assert _opens(KEY, after[alpha])  # alpha is done
    assert after[beta[0]] == before[beta[0]] and after[beta[1]] == stranger  # beta: nothing changed


# --- Identity providers: secrets required, no development defaults ---------------------------


def test_production_requires_each_tenants_client_secret_and_names_it(monkeypatch):
    message = refusal(monkeypatch, SAMVIRKE_OIDC_SECRET_BETA=None)
    assert "SAMVIRKE_OIDC_SECRET_BETA: set it to the client secret of the tenant in beta.toml" in message
    assert "SAMVIRKE_OIDC_SECRET_ALPHA" not in message


def test_production_checks_the_tenant_files_it_is_given(monkeypatch, tmp_path):
    (tmp_path / "solo.toml").write_text('[identity_provider]\nclient_secret_env = "SAMVIRKE_OIDC_SECRET_SOLO"\n')
    assert "SAMVIRKE_OIDC_SECRET_SOLO" in refusal(monkeypatch, SAMVIRKE_TENANTS_DIR=str(tmp_path))
    production(monkeypatch, SAMVIRKE_TENANTS_DIR=str(tmp_path), SAMVIRKE_OIDC_SECRET_SOLO="s")
    create_app()


def test_production_requires_the_platform_provider(monkeypatch):
    assert "SAMVIRKE_PLATFORM_OIDC_ISSUER: set it to the https issuer" in refusal(monkeypatch, SAMVIRKE_PLATFORM_OIDC_ISSUER=None)
    assert "SAMVIRKE_OIDC_SECRET_PLATFORM: set it" in refusal(monkeypatch, SAMVIRKE_OIDC_SECRET_PLATFORM=None)
    message = refusal(monkeypatch, SAMVIRKE_PLATFORM_OIDC_ISSUER="https://samvirke.example.dk/dev-idp/platform")
    assert "development provider is not available in production" in message


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def test_no_development_url_is_a_default_in_production(monkeypatch):
    production(monkeypatch)
    app = create_app()
    assert app.config["PLATFORM_IDENTITY_PROVIDER"]["issuer"] == GOOD["SAMVIRKE_PLATFORM_OIDC_ISSUER"]
    development = re.compile(r"127\.0\.0\.1|localhost|/dev-idp/|sqlite:")
    leaks = [f"{key}={value}" for key, raw in app.config.items() for value in _strings(raw) if development.search(value)]
    assert leaks == []


def test_production_hides_sql_parameters_and_keeps_its_engine_options(monkeypatch):
    production(monkeypatch)
    app = create_app()
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    # Pooled connections are checked when they lay idle (core.db.ping_when_idle), not on every request.
    assert options["hide_parameters"] is True and app.config["DATABASE_PING_AFTER_IDLE"] > 0


# --- Dependencies: declared, floored, locked with hashes --------------------------------


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _declared() -> dict[str, Requirement]:
    project = _pyproject()["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    return {canonicalize_name(r.name): r for r in found}


def _third_party_imports() -> set[str]:
    local = {"core", "config", "plugins", "tests", "migrations"}
    names: set[str] = set()
    for folder in ("core", "config", "plugins", "migrations"):
        for path in (ROOT / folder).rglob("*.py"):
            if {"testing", "tests"} & set(path.relative_to(ROOT).parts):
                continue  # the test kit and plugins' tests run with the test extra (pytest), not in production
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return {n for n in names if n not in local and n not in sys.stdlib_module_names and n != "__future__"}


def test_every_direct_import_is_a_declared_dependency():
    declared = set(_declared())
    distributions = packages_distributions()
    missing = {}
    for module in sorted(_third_party_imports()):
        provided_by = {canonicalize_name(d) for d in distributions.get(module, [])}
        assert provided_by, f"{module} is imported but no installed distribution provides it"
        if not provided_by & declared:
            missing[module] = sorted(provided_by)
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"
    for name in ("croniter", "cryptography", "joserfc", "babel"):
        assert name in declared


@pytest.mark.parametrize(("name", "fixed_in"), [("gunicorn", "23.0.0"), ("requests", "2.32.4")])
def test_floors_are_past_the_known_advisories(name, fixed_in):
    # gunicorn: request smuggling (CVE-2024-1135, CVE-2024-6827); requests: CVE-2024-35195, CVE-2024-47081.
    requirement = _declared()[name]
    floors = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=")]
    assert floors and min(floors) >= Version(fixed_in)


def _locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes) from requirements.lock."""
    content = (ROOT / "requirements.lock").read_text()
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", content):
        block = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("#"))
        match = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s\\;]+)", block.strip())
        if match:
            entries[canonicalize_name(match.group(1))] = (match.group(3), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


def test_the_lock_file_pins_every_dependency_with_hashes():
    locked = _locked()
    assert len(locked) > len(_declared())  # the transitive ones too
    for name, (version, hashes) in locked.items():
        assert hashes, f"{name}=={version} has no hash"
    for name, requirement in _declared().items():
        assert name in locked, f"{name} is declared but not in requirements.lock"
        assert Version(locked[name][0]) in requirement.specifier, f"{name}: the lock's {locked[name][0]} breaks {requirement}"
    for build in ("setuptools", "wheel"):  # the editable install in the image builds without fetching anything
        assert build in locked


def test_the_image_installs_from_the_lock_file_with_hashes():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "COPY requirements.lock" in dockerfile
    assert re.search(r"pip install --require-hashes[^\n]*-r requirements\.lock", dockerfile)
    assert "--no-build-isolation" in dockerfile and "--no-deps" in dockerfile
