"""The error tree: every error has a unique code, is documented in the README, and renders one line."""

from __future__ import annotations

from pathlib import Path

from movedesk import errors

README = Path(__file__).resolve().parents[1] / "README.md"


def test_codes_are_unique_and_documented() -> None:
    codes = [e.code for e in errors.ALL_ERRORS]
    assert len(codes) == len(set(codes))
    readme = README.read_text(encoding="utf-8")
    for e in errors.ALL_ERRORS:
        assert f"`{e.code}`" in readme, f"{e.__name__} ({e.code}) is not in the README's error table"
        assert issubclass(e, errors.MovedeskError)


def test_every_error_class_is_listed() -> None:
    defined = {
        v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.MovedeskError)
    }
    assert defined == set(errors.ALL_ERRORS)


def test_message_has_code_and_hint() -> None:
    text = str(errors.UnknownCompany("no company or listing matches 'XYZ'"))
    assert text.startswith("[W040] no company or listing matches 'XYZ'")
    assert "movedesk companies" in text


def test_cli_errors_print_brackets_as_written(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A message or hint with brackets (an extra's name, a list) is printed as written, not read as markup."""
    import pytest

    from movedesk.cli import main as cli_main
    from movedesk.errors import StoreError

    def failing(**_: object) -> None:
        raise StoreError("the tables ['ledger'] are not movedesk's", hint='pip install "movedesk[postgres]"')

    monkeypatch.setattr(cli_main, "app", failing)
    with pytest.raises(SystemExit):
        cli_main.main(["moves"])
    err = " ".join(capsys.readouterr().err.split())
    assert "['ledger']" in err and 'pip install "movedesk[postgres]"' in err
