"""Password hashing and policy, the users file, roles, the configuration switches and the
`icbt user` commands, without a server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from appdb.database import AppDatabase
from appdb.sessions import SessionStore
from dashboards.auth import (
    DEMO_USER,
    AuthConfig,
    AuthError,
    User,
    UserStore,
    can_view,
    check_host,
    hash_password,
    load_sign_in_rules,
    safe_next,
    verify_password,
)
from pipelines.cli import main
from pipelines.settings import EnvironmentVariableError

PASSWORDS = ("amber kettle drifts south", "violet ledger on the moor", "seven quiet harbour lamps")


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    first, second = hash_password("s3cret pass"), hash_password("s3cret pass")
    assert first.startswith("scrypt:32768:8:1$")
    assert "s3cret" not in first
    assert first != second  # a fresh salt each time
    assert verify_password("s3cret pass", first)
    assert not verify_password("s3cret pas", first)
    with pytest.raises(ValueError):
        hash_password("")


def test_malformed_or_foreign_hashes_never_match() -> None:
    for encoded in (
        "",
        "plain-text",
        "pbkdf2$1$2$3$aa$bb",
        "scrypt:x:8:1$aa$bb",
        "scrypt$32768$8$1$aa$bb",
    ):
        assert not verify_password("anything", encoded)


def test_user_store_writes_owner_only_and_rereads_changes(tmp_path: Path) -> None:
    path = tmp_path / "config" / "users.yaml"
    store = UserStore(path)
    assert store.users() == {}
    assert store.add("ana", "analyst", PASSWORDS[0])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert PASSWORDS[0] not in text and "scrypt:32768:8:1$" in text
    # Another process (icbt user add) changes the file: this store sees it.
    UserStore(path).add("vic", "viewer", PASSWORDS[1])
    assert set(store.users()) == {"ana", "vic"}
    old = store.get("ana")
    assert not store.add("ana", "viewer", PASSWORDS[2])  # an update, not a new user
    new = store.get("ana")
    assert new is not None and old is not None
    assert new.role == "viewer" and new.fingerprint != old.fingerprint
    assert store.remove("vic") and not store.remove("vic")
    assert set(store.users()) == {"ana"}


def test_user_store_rejects_unknown_roles_and_odd_names(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.yaml")
    with pytest.raises(ValueError, match="role"):
        store.add("ana", "admin", PASSWORDS[0])
    with pytest.raises(ValueError, match="user name"):
        store.add("ana smith", "analyst", PASSWORDS[0])
    (tmp_path / "users.yaml").write_text("users:\n  eve:\n    role: admin\n    password: x\n")
    with pytest.raises(AuthError, match="unknown role"):
        store.users()


def test_analysts_see_every_page_viewers_only_published_ones() -> None:
    published, internal = {"publish": True}, {"publish": False}
    analyst, viewer = User("ana", "analyst"), User("vic", "viewer")
    assert can_view(analyst, published) and can_view(analyst, internal)
    assert can_view(viewer, published) and not can_view(viewer, internal)
    assert not can_view(viewer, {})  # unmarked pages are not published
    assert not can_view(None, published)
    assert DEMO_USER.role == "analyst"


def test_return_address_after_sign_in_stays_on_this_site() -> None:
    assert safe_next("/engagement?program=ICBT05") == "/engagement?program=ICBT05"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil", "evil", None, ""):
        assert safe_next(hostile) == "/"


def test_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ICBT_DASHBOARD_USERS", str(tmp_path / "u.yaml"))
    monkeypatch.delenv("ICBT_DASHBOARD_AUTH", raising=False)
    monkeypatch.delenv("ICBT_DASHBOARD_SECURE_COOKIES", raising=False)
    config = AuthConfig.from_env()
    assert config.enabled and config.users_file == tmp_path / "u.yaml"
    assert not config.secure_cookies
    assert not AuthConfig.from_env(demo=True).enabled
    monkeypatch.setenv("ICBT_DASHBOARD_SECURE_COOKIES", "on")
    assert AuthConfig.from_env().secure_cookies
    monkeypatch.setenv("ICBT_DASHBOARD_AUTH", "off")
    assert not AuthConfig.from_env().enabled
    monkeypatch.setenv("ICBT_DASHBOARD_AUTH", "maybe")
    with pytest.raises(EnvironmentVariableError, match="ICBT_DASHBOARD_AUTH"):
        AuthConfig.from_env()


def test_sign_in_rules_come_from_config_with_their_sources() -> None:
    rules = load_sign_in_rules()
    assert rules.password.min_length == 12  # ASVS 4.0.3 V2.1.1
    assert rules.password.max_length == 128  # ASVS 4.0.3 V2.1.2
    assert rules.session.lifetime.total_seconds() == 8 * 3600
    assert rules.session.idle_timeout.total_seconds() == 30 * 60  # NIST SP 800-63B 4.2.3
    assert rules.per_account.free_failures == 5
    assert rules.per_address.free_failures == 20


def test_short_long_and_common_passwords_are_refused() -> None:
    policy = load_sign_in_rules().password
    assert policy.problem("eleven char") == "A password needs at least 12 characters."
    assert "at most 128" in str(policy.problem("x" * 129))
    for common in ("password1234", "qwerty123456", "iloveyou2024!", "aaaaaaaaaaaaaaa"):
        assert policy.problem(common) is not None, common
    assert "common" in str(policy.problem("password1234"))
    assert policy.problem("analyst-ana-2024", "analyst-ana") is not None  # built on the name
    for good in PASSWORDS:
        assert policy.problem(good) is None, good
    store = UserStore(Path("/nonexistent/users.yaml"), policy)
    with pytest.raises(ValueError, match="12 characters"):
        store.add("ana", "analyst", "short")


def test_demo_mode_only_serves_on_loopback(tmp_path: Path) -> None:
    demo = AuthConfig(False, tmp_path / "u.yaml")
    check_host(demo, "127.0.0.1")
    with pytest.raises(AuthError, match=r"127\.0\.0\.1"):
        check_host(demo, "0.0.0.0")
    check_host(AuthConfig(True, tmp_path / "u.yaml"), "0.0.0.0")


def test_icbt_user_add_writes_a_hashed_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "users.yaml"
    monkeypatch.setenv("ICBT_DASHBOARD_USERS", str(path))
    monkeypatch.setenv("ICBT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["user", "add", "ana", "--role", "analyst", "--password-stdin"],
        input="long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added ana (analyst)" in result.output
    user = UserStore(path).get("ana")
    assert user is not None and verify_password("long enough password", user.password_hash)
    prompted = runner.invoke(
        main, ["user", "add", "vic", "--role", "viewer"], input=f"{PASSWORDS[1]}\n" * 2
    )
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORDS[1] not in path.read_text()
    weak = runner.invoke(
        main, ["user", "add", "eve", "--role", "viewer", "--password-stdin"], input="password1\n"
    )
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    assert UserStore(path).get("eve") is None
    assert runner.invoke(main, ["user", "add", "x", "--role", "owner"]).exit_code != 0
    assert runner.invoke(main, ["user", "remove", "vic"]).exit_code == 0
    assert runner.invoke(main, ["user", "remove", "vic"]).exit_code != 0


def test_icbt_user_remove_and_a_new_password_end_sessions_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ICBT_DASHBOARD_USERS", str(tmp_path / "users.yaml"))
    monkeypatch.setenv("ICBT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ICBT_APP_DATABASE_URL", raising=False)
    store = UserStore(tmp_path / "users.yaml")
    store.add("vic", "viewer", PASSWORDS[0])
    store.add("ana", "analyst", PASSWORDS[1])
    database = AppDatabase.from_data_dir(tmp_path / "data")
    database.upgrade()
    sessions = SessionStore(database, load_sign_in_rules().session)
    vic_token, _ = sessions.start("vic", "fp")
    ana_token, _ = sessions.start("ana", "fp")
    runner = CliRunner()
    removed = runner.invoke(main, ["user", "remove", "vic"])
    assert removed.exit_code == 0 and "ended 1 open session" in removed.output
    assert sessions.find(vic_token) is None and sessions.find(ana_token) is not None
    reset = runner.invoke(
        main,
        ["user", "add", "ana", "--role", "analyst", "--password-stdin"],
        input=f"{PASSWORDS[2]}\n",
    )
    assert reset.exit_code == 0 and "Ended 1 open session(s) of ana" in reset.output
    assert sessions.find(ana_token) is None
    database.dispose()
