"""The safe fetcher against a local server: validators, limits, redirects, addresses, politeness."""

from __future__ import annotations

import gzip
import itertools
import socket
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
from feedserver import FeedServer, fixture_bytes, send, set_env, static, use_local_net

from newsmon.errors import BlockedAddressError, FetchError
from newsmon.ingest import http as nhttp
from newsmon.ingest.http import (
    BodyTooLargeError,
    Fetcher,
    HTTPStatusError,
    is_blocked_address,
    parse_retry_after,
)
from newsmon.settings import get_settings

RU = fixture_bytes("rss-ru.rss")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _local_net(monkeypatch: pytest.MonkeyPatch) -> None:
    use_local_net(monkeypatch)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),  # loopback
        ("127.8.9.10", True),
        ("::1", True),
        ("10.1.2.3", True),  # private
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("fd00::1", True),  # unique local
        ("169.254.169.254", True),  # link-local: cloud metadata
        ("fe80::1", True),
        ("224.0.0.1", True),  # multicast
        ("ff02::1", True),
        ("0.0.0.0", True),  # unspecified
        ("::", True),
        ("240.0.0.1", True),  # reserved
        ("100.64.0.1", True),  # shared address space (CGNAT)
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("2002:7f00:1::1", True),  # 6to4 wrapping 127.0.0.1
        ("8.8.8.8", False),
        ("95.59.1.1", False),  # a Kazakhstan address
        ("2a00:1450:4001::1", False),
    ],
)
def test_blocked_addresses(address: str, blocked: bool) -> None:
    assert is_blocked_address(address) is blocked


def test_get_sends_user_agent_and_returns_body(server: FeedServer) -> None:
    url = server.route(
        "/ru.rss", static(RU, ETag='"v1"', Last_Modified="Mon, 15 Apr 2024 07:00:00 GMT")
    )
    with Fetcher() as fetcher:
        resp = fetcher.get(url)
    assert resp.status == 200 and resp.content == RU
    assert resp.etag == '"v1"' and resp.last_modified == "Mon, 15 Apr 2024 07:00:00 GMT"
    assert resp.peer == "127.0.0.1"
    sent = server.headers_of("/ru.rss")[0]
    assert sent["user-agent"] == get_settings().user_agent and "newsmon" in sent["user-agent"]


def test_conditional_get_round_trip(server: FeedServer) -> None:
    def etagged(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, headers={"ETag": '"v1"'})
        else:
            send(h, 200, RU, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    url = server.route("/etag.rss", etagged)
    with Fetcher() as fetcher:
        first = fetcher.get(url)
        second = fetcher.get(url, etag=first.etag, last_modified="Mon, 15 Apr 2024 07:00:00 GMT")
    assert first.status == 200 and not first.not_modified
    assert second.not_modified and second.content == b""
    sent = server.headers_of("/etag.rss")[1]
    assert (
        sent["if-none-match"] == '"v1"'
        and sent["if-modified-since"] == "Mon, 15 Apr 2024 07:00:00 GMT"
    )


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [
        (404, {}, None),
        (500, {}, None),
        (503, {"Retry-After": "120"}, 120.0),
        (429, {"Retry-After": "3600"}, 3600.0),
    ],
)
def test_error_statuses(
    server: FeedServer, status: int, headers: dict[str, str], retry_after: float | None
) -> None:
    url = server.route("/err", static(b"no", status=status, content_type="text/plain", **headers))
    with Fetcher() as fetcher, pytest.raises(HTTPStatusError) as err:
        fetcher.get(url)
    assert err.value.status == status
    assert err.value.retry_after == retry_after
    assert str(status) in str(err.value)


def test_retry_after_forms() -> None:
    now = datetime(2024, 4, 16, 10, 0, tzinfo=UTC)
    assert parse_retry_after("90", now) == 90.0
    assert parse_retry_after("Tue, 16 Apr 2024 12:00:00 GMT", now) == 7200.0
    assert parse_retry_after("Tue, 16 Apr 2024 09:00:00 GMT", now) == 0.0  # in the past: now
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def _stall_after_headers(server: FeedServer) -> None:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b"<rss>")
        h.wfile.flush()
        server.stop.wait(30)

    server.route("/stall", handler)


def _trickle(server: FeedServer) -> None:
    """One byte every 0.1 s, forever: no read timeout fires, only the total deadline can stop it."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", "1000000")
        h.end_headers()
        while not server.stop.wait(0.1):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                return

    server.route("/trickle", handler)


def _stall_before_headers(server: FeedServer) -> None:
    server.route("/silent", lambda h: server.stop.wait(30) and None)


@pytest.mark.parametrize(
    ("path", "setup", "expect"),
    [
        ("/stall", _stall_after_headers, "timed out"),
        ("/trickle", _trickle, "total_timeout"),
        ("/silent", _stall_before_headers, "timed out"),
    ],
)
def test_stalling_server_fails_in_bounded_time(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, path: str, setup: object, expect: str
) -> None:
    set_env(monkeypatch, read_timeout=0.5, total_timeout=1.0)
    setup(server)  # type: ignore[operator]
    t0 = time.monotonic()
    with Fetcher() as fetcher, pytest.raises(FetchError, match=expect):
        fetcher.get(server.url(path))
    # without the limits these routes would hold the fetch for 30 s (or forever)
    assert time.monotonic() - t0 < 10


def test_redirects_are_followed_and_recorded(server: FeedServer) -> None:
    server.route("/old", static(b"", status=301, content_type=None, Location="/mid"))
    server.route("/mid", static(b"", status=302, content_type=None, Location=server.url("/ru.rss")))
    server.route("/ru.rss", static(RU))
    with Fetcher() as fetcher:
        resp = fetcher.get(server.url("/old"))
    assert resp.content == RU and resp.url == server.url("/ru.rss")
    assert resp.redirects == [server.url("/mid"), server.url("/ru.rss")]


def test_redirect_loop_and_too_many_redirects(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("/loop/a", static(b"", status=302, content_type=None, Location="/loop/b"))
    server.route("/loop/b", static(b"", status=302, content_type=None, Location="/loop/a"))
    for i in range(10):
        server.route(
            f"/hop/{i}", static(b"", status=307, content_type=None, Location=f"/hop/{i + 1}")
        )
    set_env(monkeypatch, max_redirects=3)
    with Fetcher() as fetcher:
        with pytest.raises(FetchError, match="redirect loop"):
            fetcher.get(server.url("/loop/a"))
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher.get(server.url("/hop/0"))
    assert server.hits("/loop/a") == 1 and server.hits("/hop/3") == 1 and server.hits("/hop/4") == 0


def test_redirect_to_a_file_url_is_refused(server: FeedServer) -> None:
    server.route("/evil", static(b"", status=302, content_type=None, Location="file:///etc/passwd"))
    with Fetcher() as fetcher, pytest.raises(FetchError, match=r"non-HTTP|unsupported"):
        fetcher.get(server.url("/evil"))


def test_body_over_the_cap(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, max_body_bytes=100_000)
    big = b"<rss>" + b"x" * 200_000 + b"</rss>"
    server.route("/big", static(big))

    def chunked(h: BaseHTTPRequestHandler) -> None:  # no Content-Length: only counting can stop it
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"2710\r\n" + b"y" * 10_000 + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    server.route("/chunked", chunked)
    with Fetcher() as fetcher:
        with pytest.raises(BodyTooLargeError, match="max_body_bytes"):
            fetcher.get(server.url("/big"))
        with pytest.raises(BodyTooLargeError, match="max_body_bytes"):
            fetcher.get(server.url("/chunked"))


def test_gzip_bomb_stops_at_the_cap(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, max_body_bytes=1_000_000)
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=6)  # 50 MB in about 50 KB
    assert len(bomb) < 1_000_000
    server.route("/bomb", static(bomb, Content_Encoding="gzip"))
    double = gzip.compress(gzip.compress(b"\0" * 10_000_000))
    server.route("/double", static(double, Content_Encoding="gzip, gzip"))
    with Fetcher() as fetcher:
        with pytest.raises(BodyTooLargeError, match="after decompression"):
            fetcher.get(server.url("/bomb"))
        with pytest.raises(FetchError, match="stacked"):
            fetcher.get(server.url("/double"))


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_compressed_bodies_are_decoded(server: FeedServer, encoding: str, compress: object) -> None:
    server.route("/z", static(compress(RU), Content_Encoding=encoding))  # type: ignore[operator]
    with Fetcher() as fetcher:
        assert fetcher.get(server.url("/z")).content == RU
    assert "gzip" in server.headers_of("/z")[0]["accept-encoding"]


def test_private_address_refused_when_setting_is_off(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, allow_private_networks=0)
    server.route("/ru.rss", static(RU))
    with Fetcher() as fetcher:
        for host in ("127.0.0.1", "localhost", "[::1]"):
            with pytest.raises(BlockedAddressError, match="NEWSMON_ALLOW_PRIVATE_NETWORKS"):
                fetcher.get(server.url("/ru.rss", host=host))
    assert server.hits("/ru.rss") == 0  # refused before connecting


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed",
        "http://192.168.0.1:8080/",
        "http://[::1]/feed",
        "http://127.0.0.2/feed",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_private_address_refused_on_a_redirect_hop(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    set_env(monkeypatch, allow_private_networks=0)
    real = nhttp.is_blocked_address
    # the test server itself stands in for a public host: only 127.0.0.1 is let through
    monkeypatch.setattr(nhttp, "is_blocked_address", lambda a: a != "127.0.0.1" and real(a))
    server.route("/go", static(b"", status=302, content_type=None, Location="/go2"))
    server.route("/go2", static(b"", status=301, content_type=None, Location=target))
    with Fetcher() as fetcher, pytest.raises(BlockedAddressError):
        fetcher.get(server.url("/go"))
    assert server.hits("/go") == 1 and server.hits("/go2") == 1


def test_connects_to_the_address_it_checked(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once and the socket goes to that very address (no second lookup that a
    rebinding DNS server could answer differently); Host still names the site."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host == "feeds.example.kz":
            lookups.append(host)
            answer = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"  # a rebinding second answer
            return real(answer, port, *args, **kwargs)  # type: ignore[arg-type]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    server.route("/ru.rss", static(RU))
    with Fetcher() as fetcher:
        resp = fetcher.get(server.url("/ru.rss", host="feeds.example.kz"))
    assert resp.content == RU and resp.peer == "127.0.0.1"
    assert lookups == ["feeds.example.kz"]
    assert server.headers_of("/ru.rss")[0]["host"] == f"feeds.example.kz:{server.port}"


def test_unresolvable_and_refused_are_fetch_errors(server: FeedServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with Fetcher() as fetcher:
        with pytest.raises(FetchError, match="cannot resolve"):
            fetcher.get("http://no-such-host.invalid/feed")
        with pytest.raises(FetchError, match="cannot connect"):
            fetcher.get(f"http://127.0.0.1:{closed_port}/feed")


def test_per_host_delay(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, per_host_delay=0.3)
    stamps: list[float] = []

    def stamp(h: BaseHTTPRequestHandler) -> None:
        stamps.append(time.monotonic())
        send(h, 200, RU)

    server.route("/p", stamp)
    with Fetcher() as fetcher:
        for _ in range(3):
            fetcher.get(server.url("/p"))
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 2 and min(gaps) >= 0.25


def test_throttle_spaces_threads_on_one_host() -> None:
    throttle = nhttp.HostThrottle(0.2)
    waits = sorted(throttle.wait("a.kz") for _ in range(3))
    assert waits[0] == 0.0 and waits[1] > 0.1 and waits[2] > waits[1]
    assert throttle.wait("b.kz") == 0.0  # another host is not held back


@pytest.mark.parametrize(
    ("address", "metadata"),
    [
        ("169.254.169.254", True),
        ("169.254.0.1", True),
        ("fd00:ec2::254", True),
        ("::ffff:169.254.169.254", True),  # IPv4-mapped
        ("2002:a9fe:a9fe::1", True),  # 6to4
        ("64:ff9b::a9fe:a9fe", True),  # NAT64
        ("fd00:ec2::253", False),
        ("10.0.0.1", False),
        ("127.0.0.1", False),
        ("8.8.8.8", False),
    ],
)
def test_metadata_addresses(address: str, metadata: bool) -> None:
    assert nhttp.is_metadata_address(address) is metadata


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.170.2/v2/credentials",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_metadata_refused_on_a_redirect_even_with_private_networks_allowed(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    """Issue 14, finding 9: with NEWSMON_ALLOW_PRIVATE_NETWORKS=1 a redirect to the metadata service was
    followed; it is refused before any connection, like the first hop would be."""
    set_env(monkeypatch, allow_private_networks=1)
    connected: list[str] = []
    real = nhttp.httpcore.SyncBackend.connect_tcp

    def spy(self: object, host: str, *args: object, **kwargs: object) -> object:
        connected.append(host)
        return real(self, host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nhttp.httpcore.SyncBackend, "connect_tcp", spy)
    server.route("/go", static(b"", status=302, content_type=None, Location=target))
    with Fetcher() as fetcher:
        with pytest.raises(BlockedAddressError, match="metadata"):
            fetcher.get(server.url("/go"))
        with pytest.raises(BlockedAddressError, match="metadata"):
            fetcher.get(target)
    assert server.hits("/go") == 1
    assert connected == ["127.0.0.1"]  # the test server only, never the metadata address


def test_metadata_refused_by_name(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14, finding 9: a name that resolves to 169.254.169.254 is refused too."""
    set_env(monkeypatch, allow_private_networks=1)
    real = socket.getaddrinfo

    def fake(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host == "metadata.google.internal":
            return real("169.254.169.254", port, *args, **kwargs)  # type: ignore[arg-type]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with Fetcher() as fetcher, pytest.raises(BlockedAddressError, match="metadata"):
        fetcher.get("http://metadata.google.internal/computeMetadata/v1/")
