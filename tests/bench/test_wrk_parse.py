"""bench/wrk.py reads wrk 4.1.0's --latency report (samples captured on the development
machine against the bench peers)."""

from __future__ import annotations

import pytest

from bench.wrk import WrkParseError, parse

GET_200 = """\
Running 2s test @ http://127.0.0.1:18101/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.90ms    8.38ms  74.31ms   93.60%
    Req/Sec     5.68k     2.47k   11.38k    65.00%
  Latency Distribution
     50%  607.00us
     75%  840.00us
     90%    4.94ms
     99%   47.95ms
  22859 requests in 2.09s, 2.96MB read
Requests/sec:  10928.45
Transfer/sec:      1.42MB
"""

POST_201 = """\
Running 2s test @ http://127.0.0.1:18102/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    70.80ms  167.69ms   1.17s    90.88%
    Req/Sec   424.38    214.06   808.00     57.50%
  Latency Distribution
     50%    4.43ms
     75%   48.31ms
     90%  211.92ms
     99%  918.39ms
  1691 requests in 2.00s, 288.99KB read
Requests/sec:    844.13
Transfer/sec:    144.26KB
"""

GET_404 = """\
Running 2s test @ http://127.0.0.1:43007/missing
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.35ms   13.48ms 141.71ms   96.24%
    Req/Sec     2.42k     1.26k    5.66k    74.36%
  Latency Distribution
     50%    0.94ms
     75%    3.22ms
     90%    6.55ms
     99%   88.79ms
  9603 requests in 2.04s, 1.58MB read
  Non-2xx or 3xx responses: 9603
Requests/sec:   4701.64
Transfer/sec:    789.73KB
"""


def test_reads_rate_percentiles_and_no_failures() -> None:
    result = parse(GET_200)
    assert result.requests_per_second == pytest.approx(10928.45)
    assert result.requests == 22859
    assert result.p50_ms == pytest.approx(0.607)
    assert result.p99_ms == pytest.approx(47.95)
    assert (result.non_2xx, result.socket_errors, result.failures) == (0, 0, 0)


def test_latencies_in_seconds_become_milliseconds() -> None:
    result = parse(POST_201)
    assert result.requests_per_second == pytest.approx(844.13)
    assert result.p50_ms == pytest.approx(4.43)
    assert result.p99_ms == pytest.approx(918.39)
    assert parse(POST_201.replace("918.39ms", "1.25s")).p99_ms == pytest.approx(1250.0)


def test_counts_non_2xx_responses() -> None:
    result = parse(GET_404)
    assert result.non_2xx == 9603
    assert result.failures == 9603


def test_counts_socket_errors() -> None:
    # wrk prints this line (format from wrk 4.1.0's src/wrk.c) only when some socket failed.
    text = GET_404.replace(
        "  Non-2xx", "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx"
    )
    result = parse(text)
    assert result.socket_errors == 10
    assert result.failures == 9613


def test_refuses_what_is_not_a_latency_report() -> None:
    without_distribution = "\n".join(
        line for line in GET_200.splitlines() if "%" not in line or "Stdev" in line
    )
    with pytest.raises(WrkParseError):
        parse(without_distribution)
    with pytest.raises(WrkParseError):
        parse("unable to connect to 127.0.0.1:1 Connection refused")
