"""How Python values become ReduceRequest fields (no server needed)."""

import numpy as np
import pytest

from resif_gpu import _requests


def test_cli_syntax_is_split_into_name_and_text_params():
    assert _requests.parse_operation(" bandpass : freqmin=1, freqmax = 10 ") == ("bandpass", {"freqmin": "1", "freqmax": "10"})
    assert _requests.parse_operation("envelope") == ("envelope", {})
    assert _requests.parse_operation("decimate:factor=5,") == ("decimate", {"factor": "5"})


@pytest.mark.parametrize("spec", [":freqmin=1", "bandpass:freqmin", "bandpass:=3", "bandpass:freqmin=1,freqmin=2"])
def test_malformed_cli_syntax_is_refused(spec):
    with pytest.raises(ValueError):
        _requests.parse_operation(spec)


@pytest.mark.parametrize("value, field, expected", [
    (True, "flag", True),
    (np.bool_(False), "flag", False),
    (4, "integer", 4),
    (np.int64(7), "integer", 7),
    (2.5, "number", 2.5),
    (np.float32(0.25), "number", 0.25),
    ("hann", "text", "hann"),
])
def test_python_types_map_to_typed_param_values(value, field, expected):
    message = _requests.param_value("p", value)
    assert message.WhichOneof("kind") == field
    assert getattr(message, field) == expected


def test_unsupported_param_type_names_the_parameter():
    with pytest.raises(TypeError, match="'freqs'"):
        _requests.param_value("freqs", [1, 2])


def test_cli_strings_travel_as_text_and_tuples_as_typed_values():
    request = _requests.reduce_request("a", ["bandpass:freqmin=1,freqmax=10", ("decimate", {"factor": 5})], None, None, 0)
    assert [op.name for op in request.operations] == ["bandpass", "decimate"]
    assert request.operations[0].params["freqmax"].text == "10"
    assert request.operations[1].params["factor"].integer == 5


def test_a_single_string_is_one_operation():
    request = _requests.reduce_request("a", "decimate:factor=2", None, None, 0)
    assert len(request.operations) == 1


@pytest.mark.parametrize("channels, expected", [
    (None, (0, 0, 1)),
    (3, (3, 4, 1)),
    (slice(2, 10), (2, 10, 1)),
    (slice(None, None, 4), (0, 0, 4)),
    ((1, 9), (1, 9, 1)),
    ((1, None, 2), (1, 0, 2)),
])
def test_channel_selections(channels, expected):
    selected = _requests.channel_range(channels)
    assert (selected.start, selected.stop, selected.step) == expected


@pytest.mark.parametrize("time, expected", [
    (None, (0.0, 0.0)),
    ((1, 2.5), (1.0, 2.5)),
    ((0.5, None), (0.5, 0.0)),
    (slice(1, 3), (1.0, 3.0)),
])
def test_time_windows(time, expected):
    window = _requests.time_window(time)
    assert (window.start, window.end) == expected


def test_bad_selection_shapes_are_refused():
    with pytest.raises(TypeError):
        _requests.channel_range([0, 4])
    with pytest.raises(TypeError):
        _requests.channel_range((1.5, 3))
    with pytest.raises(ValueError):
        _requests.time_window(slice(0, 10, 2))
    with pytest.raises(TypeError):
        _requests.operation_message(("bandpass", "freqmin=1"))
