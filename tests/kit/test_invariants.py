"""The invariants registry and the fixture that runs it after every story and property test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.core import invariants

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db  # the registered ledgers' own checks run too, on an empty database
def test_violations_name_only_the_broken_checks() -> None:
    with (
        invariants.temporarily("books balance", list),
        invariants.temporarily("stock matches moves", lambda: ["quant 3 says 5, moves say 4"]),
    ):
        assert {"books balance", "stock matches moves"} <= set(invariants.registered())
        assert invariants.violations() == {"stock matches moves": ["quant 3 says 5, moves say 4"]}
    assert "stock matches moves" not in invariants.registered()


def test_two_checks_cannot_share_a_name() -> None:
    with invariants.temporarily("books balance", list), pytest.raises(ValueError, match="already"):
        invariants.register_invariant("books balance", lambda: ["other"])


@pytest.mark.own_sqlite
def test_a_failing_check_fails_every_story_and_property_test_that_used_the_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A separate pytest run (its own SQLite database) where the books never balance."""
    monkeypatch.setenv("PYTHONPATH", str(CHECKOUT))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TANDEM_DATA_DIR", raising=False)
    pytester.makeconftest(
        """
        from tandem.core.invariants import register_invariant

        pytest_plugins = ["tests.kit.invariants"]

        register_invariant("books balance", lambda: ["entry 7 is off by 0.01"])
        """
    )
    pytester.makepyfile(
        test_day="""
        import pytest
        from hypothesis import given, settings, strategies as st

        @pytest.mark.story
        def test_story(db):
            pass

        @settings(max_examples=2, database=None)
        @given(st.integers())
        @pytest.mark.django_db
        def test_property(number):
            pass

        @pytest.mark.story
        def test_story_without_database():
            pass

        def test_plain(db):
            pass
        """
    )
    result = pytester.runpytest_subprocess(
        "--ds=tandem.settings", "--no-migrations", "-p", "no:cacheprovider", "-W", "ignore"
    )
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_story*",
            "*Invariant broken: books balance*",
            "*entry 7 is off by 0.01*",
            "*ERROR at teardown of test_property*",
        ],
        consecutive=False,
    )
