"""Alert rules in watchlist.yaml: the format, every problem named by rule and field, no credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.alerts.rules import AlertRule, load_alerts
from newsmon.errors import ConfigError
from newsmon.watchlist import load_watchlist

ROOT = Path(__file__).resolve().parents[1]

ENTITIES = """
people:
  - name: Асет Жумабаев
    variants: [Жумабаев, Жұмабаев]
parties:
  - name: AMANAT
    variants: [AMANAT, АМАНАТ]
"""

GOOD = (
    ENTITIES
    + """
alerts:
  - name: akims-vko
    kind: akim
    territory: ВКО
    channels: [telegram, email]
  - name: шқо-әкімдері
    kind: akim
    territory: Шығыс Қазақстан облысы
    lang: kk
    channels: [webhook]
  - name: big-money
    min_amount: 1e9
    program: Жұмыспен қамтудың жол картасы
    channels: [webhook]
  - name: amanat
    entity: AMANAT
    since: 2024-11-01
    channels: [email]
"""
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_load_in_russian_and_kazakh(tmp_path: Path) -> None:
    config = load_alerts(_write(tmp_path, GOOD))
    assert config is not None
    names = [r.name for r in config.rules]
    assert names == ["akims-vko", "шқо-әкімдері", "big-money", "amanat"]
    money = config.rules[2]
    assert money.fact_kind() == "amount" and money.min_amount == 1e9 and money.unit is None
    assert config.rules[1].lang == "kk" and config.rules[1].channels == ["webhook"]
    assert [e.name for e in config.watchlist] == ["Асет Жумабаев", "AMANAT"]


def test_the_watchlist_readers_accept_the_alerts_section(tmp_path: Path) -> None:
    """Digest and coverage read the same file: the new section is no unknown section to them."""
    wl = load_watchlist(_write(tmp_path, GOOD))
    assert wl is not None and len(wl) == 2
    # the project's own watchlist (its rules commented out as an example) still loads
    config = load_alerts(ROOT / "watchlist.yaml")
    assert config is not None and config.rules == [] and len(config.watchlist) > 10


def test_every_problem_is_named_by_rule_and_field(tmp_path: Path) -> None:
    bad = (
        ENTITIES
        + """
alerts:
  - name: one
    kind: akims
    territory: ВКО
    channels: [telegram]
  - name: two
    min_amount: lots
    channels: [sms, email]
  - name: three
    channels: [email]
  - name: four
    entity: Назарбаев
    channels: [email]
  - name: one
    kind: akim
    channels: [email]
  - name: six
    kind: akim
    min_amount: 100
    channel: [email]
  - just a string
"""
    )
    with pytest.raises(ConfigError) as err:
        load_alerts(_write(tmp_path, bad))
    msg = str(err.value)
    lines = msg.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'watchlist.yaml'}: alerts[1] 'one': field 'kind'")
    for expected in [
        "alerts[1] 'one': field 'kind': Input should be 'akim', 'amount', 'program' or 'territory'",
        "alerts[2] 'two': field 'min_amount': Input should be a valid number",
        "alerts[2] 'two': field 'channels[1]': Input should be 'email', 'telegram' or 'webhook'",
        "alerts[3] 'three': field 'rule': a rule needs at least one of entity, person, kind",
        "alerts[4] 'four': field 'entity': no watchlist entity 'Назарбаев'",
        "alerts[5] 'one': field 'name': already used by alerts[1] 'one'",
        "alerts[6] 'six': field 'channels': Field required",
        "alerts[6] 'six': field 'channel': Extra inputs are not permitted",
        "alerts[7]: must be a mapping with 'name', criteria and 'channels'",
    ]:
        assert any(expected in line for line in lines), (expected, msg)
    assert "(and 8 more)" in lines[0]


def test_kazakh_rule_problems_are_named_too(tmp_path: Path) -> None:
    bad = ENTITIES + "alerts:\n  - name: шқо\n    lang: қаз\n    channels: [email]\n"
    with pytest.raises(
        ConfigError, match="alerts\\[1\\] 'шқо': field 'lang': Input should be 'ru' or 'kk'"
    ):
        load_alerts(_write(tmp_path, bad))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "alerts:\n  - name: a\n    kind: akim\n    channels: [telegram]\n    bot_token: x\n",
            "alerts[1]: field 'bot_token'",
        ),
        ("smtp:\n  host: mail.example\n  password: hunter2\n", "smtp: field 'password'"),
        (
            "alerts:\n  - name: a\n    kind: akim\n    channels: [telegram]\n"
            "    note: 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1\n",
            "alerts[1].note: holds a credential",
        ),
        (
            "alerts:\n  - name: a\n    kind: akim\n    channels: [webhook]\n"
            "    note: https://user:s3cret@hooks.example/x\n",
            "alerts[1].note: holds a credential",
        ),
    ],
)
def test_credentials_in_the_watchlist_are_refused(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_alerts(_write(tmp_path, text))
    assert where in str(err.value)
    assert "never in watchlist.yaml" in str(err.value)
    assert "NEWSMON_TELEGRAM_TOKEN" in str(err.value)


def test_not_yaml_and_not_a_list(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML at line 3"):
        load_alerts(_write(tmp_path, "alerts:\n  - name: [unclosed\n"))
    with pytest.raises(ConfigError, match="alerts: must be a list of rules"):
        load_alerts(_write(tmp_path, "alerts: {name: a}\n"))
    (tmp_path / "cp1251.yaml").write_bytes("alerts:\n  - name: ВКО\n".encode("cp1251"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_alerts(tmp_path / "cp1251.yaml")
    with pytest.raises(ConfigError, match="no such watchlist file"):
        load_alerts(tmp_path / "missing.yaml")


def test_rule_model_rejects_contradictions() -> None:
    with pytest.raises(ValueError, match="unit goes with min_amount"):
        AlertRule.model_validate(
            {"name": "x", "kind": "amount", "unit": "KZT", "channels": ["email"]}
        )
    with pytest.raises(ValueError, match="a channel is listed twice"):
        AlertRule.model_validate({"name": "x", "kind": "akim", "channels": ["email", "email"]})
