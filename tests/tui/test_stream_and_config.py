"""The event-stream parser and backoff, and the user config file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from restman_tui.config import KitchenConfig, KitchenConfigError, load_config, save_config
from restman_tui.main import prepare_config
from restman_tui.stream import Backoff, SseParser, StreamEvent


def test_sse_parser_reads_ids_types_multiline_data_and_skips_comments() -> None:
    parser = SseParser()
    lines = [
        ": keep-alive",
        "event: ticket.created",
        "id: 41",
        'data: {"a":',
        "data: 1}",
        "",
        "event: heartbeat",
        "data: {}",
        "",
        "",
    ]
    events = [e for e in (parser.feed(line) for line in lines) if e is not None]
    assert events == [
        StreamEvent("ticket.created", '{"a":\n1}', "41"),
        StreamEvent("heartbeat", "{}", None),
    ]


def test_backoff_doubles_up_to_the_cap_with_bounded_jitter() -> None:
    backoff = Backoff(first=0.5, cap=4)
    delays = [backoff.delay(n) for n in range(6)]
    assert 0.5 <= delays[0] <= 0.6
    assert 1.0 <= delays[1] <= 1.2
    assert all(4 <= d <= 4.8 for d in delays[3:])


def test_config_round_trip_is_private(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kitchen.json"
    assert load_config(path) == KitchenConfig()  # no file yet: defaults
    config = KitchenConfig(token="secret", stations=["grill"], keys={"bump": "b,enter"}, bell=False)
    save_config(config, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_config(path)
    assert loaded == config
    assert loaded.key_for("bump") == "b,enter"
    assert loaded.key_for("recall") == "r"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "not valid JSON"),
        ('{"colour": "red"}', "unknown settings colour"),
        ('{"keys": {"explode": "x"}}', "unknown key actions explode"),
        ('{"yellow_after_minutes": "soon"}', "must be a number"),
        ('{"yellow_after_minutes": 12, "red_after_minutes": 10}', "below"),
        ('{"bell": "loud"}', "bell must be"),
    ],
)
def test_bad_config_says_what_is_wrong(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "kitchen.json"
    path.write_text(content)
    with pytest.raises(KitchenConfigError, match=complaint):
        load_config(path)


def test_saved_config_is_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "kitchen.json"
    save_config(KitchenConfig(api_url="http://kitchen.example:8000"), path)
    assert json.loads(path.read_text())["api_url"] == "http://kitchen.example:8000"


def test_command_line_choices_override_the_saved_config(tmp_path: Path) -> None:
    path = tmp_path / "kitchen.json"
    save_config(KitchenConfig(api_url="http://a:8000", token="old", station="grill"), path)
    same_api = prepare_config(path, api="http://a:8000/", restaurant="r1", station=None, token=None)
    assert (same_api.token, same_api.restaurant_id, same_api.station) == ("old", "r1", "grill")
    other_api = prepare_config(
        path, api="http://b:8000", restaurant=None, station="cold", token=None
    )
    assert other_api.token is None  # a session belongs to the API that issued it
    assert other_api.station == "cold"
    given = prepare_config(path, api="http://b:8000", restaurant=None, station=None, token="new")
    assert given.token == "new"


def test_keys_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "kitchen.json"
    path.write_text('{"keys": ["b"]}')
    with pytest.raises(KitchenConfigError, match="key binding"):
        load_config(path)
