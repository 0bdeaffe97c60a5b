"""Password hashing, the users file, roles and the configuration switches, without a server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboards.auth import (
    DEMO_USER,
    AuthConfig,
    AuthError,
    User,
    UserStore,
    can_view,
    check_host,
    hash_password,
    safe_next,
    verify_password,
)
from pipelines.cli import main


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    first, second = hash_password("s3cret pass"), hash_password("s3cret pass")
    assert first.startswith("scrypt$32768$8$1$")
    assert "s3cret" not in first
    assert first != second  # a fresh salt each time
    assert verify_password("s3cret pass", first)
    assert not verify_password("s3cret pas", first)
    with pytest.raises(ValueError):
        hash_password("")


def test_malformed_or_foreign_hashes_never_match() -> None:
    for encoded in ("", "plain-text", "pbkdf2$1$2$3$aa$bb", "scrypt$x$8$1$aa$bb"):
        assert not verify_password("anything", encoded)


def test_user_store_writes_owner_only_and_rereads_changes(tmp_path: Path) -> None:
    path = tmp_path / "config" / "users.yaml"
    store = UserStore(path)
    assert store.users() == {}
    assert store.add("ana", "analyst", "pw-one")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "pw-one" not in text and "scrypt$" in text
    # Another process (icbt user add) changes the file: this store sees it.
    UserStore(path).add("vic", "viewer", "pw-two")
    assert set(store.users()) == {"ana", "vic"}
    old = store.get("ana")
    assert not store.add("ana", "viewer", "pw-three")  # an update, not a new user
    new = store.get("ana")
    assert new is not None and old is not None
    assert new.role == "viewer" and new.fingerprint != old.fingerprint
    assert store.remove("vic") and not store.remove("vic")
    assert set(store.users()) == {"ana"}


def test_user_store_rejects_unknown_roles_and_odd_names(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.yaml")
    with pytest.raises(ValueError, match="role"):
        store.add("ana", "admin", "pw")
    with pytest.raises(ValueError, match="user name"):
        store.add("ana smith", "analyst", "pw")
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
    monkeypatch.setenv("ICBT_DASHBOARD_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.delenv("ICBT_DASHBOARD_SECRET", raising=False)
    monkeypatch.delenv("ICBT_DASHBOARD_AUTH", raising=False)
    config = AuthConfig.from_env()
    assert config.enabled and config.users_file == tmp_path / "u.yaml"
    assert not AuthConfig.from_env(demo=True).enabled
    monkeypatch.setenv("ICBT_DASHBOARD_AUTH", "off")
    assert not AuthConfig.from_env().enabled
    monkeypatch.setenv("ICBT_DASHBOARD_AUTH", "maybe")
    with pytest.raises(AuthError):
        AuthConfig.from_env()
    # No secret given: one is generated per install, owner-only, and reused.
    key = config.session_key()
    assert len(key) == 64 and config.session_key() == key
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    with pytest.raises(AuthError, match="32"):
        AuthConfig(True, config.users_file, config.secret_file, secret="short").session_key()


def test_demo_mode_only_serves_on_loopback(tmp_path: Path) -> None:
    demo = AuthConfig(False, tmp_path / "u.yaml", tmp_path / "s")
    check_host(demo, "127.0.0.1")
    with pytest.raises(AuthError, match=r"127\.0\.0\.1"):
        check_host(demo, "0.0.0.0")
    check_host(AuthConfig(True, tmp_path / "u.yaml", tmp_path / "s"), "0.0.0.0")


def test_icbt_user_add_writes_a_hashed_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "users.yaml"
    monkeypatch.setenv("ICBT_DASHBOARD_USERS", str(path))
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
        main, ["user", "add", "vic", "--role", "viewer"], input="pw-for-vic\npw-for-vic\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert "pw-for-vic" not in path.read_text()
    assert runner.invoke(main, ["user", "add", "x", "--role", "owner"]).exit_code != 0
    assert runner.invoke(main, ["user", "remove", "vic"]).exit_code == 0
    assert runner.invoke(main, ["user", "remove", "vic"]).exit_code != 0
