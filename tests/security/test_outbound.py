"""The guarded fetcher (studio.web.outbound) over real HTTP: every internal form of an address
is refused before a connection is made, a redirect from a trusted origin to an internal one is
refused, the connection goes to the checked address (the Host header keeps the name), and the
size and time caps cut a fetch off with a clear error."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from studio.web.outbound import (
    AddressRefused,
    FetchError,
    Target,
    TooLarge,
    open_url,
    pinned_pool,
    read_body,
)

BODY = b"\x89PNG fake but fine"


class Recorder(BaseHTTPRequestHandler):
    """Answers by path; records each request's path and Host header on the server."""

    def log_message(self, *args):
        pass

    def _send(self, status, headers, body=b""):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.hits.append((self.path, self.headers.get("Host")))
        target = self.server.redirects.get(self.path)
        if target:
            self._send(302, {"Location": target, "Content-Length": "0"})
        elif self.path == "/big":  # no Content-Length: the cap must count the bytes
            self._send(200, {"Content-Type": "image/png"}, b"\0" * 200_000)
        elif self.path == "/announces-big":
            self._send(200, {"Content-Type": "image/png", "Content-Length": str(10**9)})
        elif self.path == "/drip":  # a byte at a time, each well within the read timeout
            self._send(200, {"Content-Type": "image/png", "Content-Length": "100000"})
            while not self.server.release.wait(0.02):
                self.wfile.write(b"x")
                self.wfile.flush()
        elif self.path == "/stall":
            self._send(200, {"Content-Type": "image/png", "Content-Length": "100"}, b"x")
            self.wfile.flush()
            self.server.release.wait(10)  # the client's read timeout comes first
        else:
            self._send(200, {"Content-Type": "image/png", "Content-Length": str(len(BODY))}, BODY)


def start_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.hits, httpd.redirects, httpd.release = [], {}, threading.Event()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def server():
    httpd = start_server()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def fetch(url, **kwargs) -> bytes:
    with open_url(url, **kwargs) as response:
        return read_body(response, limit=100_000)


def internal_forms(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/a.png",
        f"http://localhost:{port}/a.png",  # a name that resolves to loopback
        f"http://[::1]:{port}/a.png",
        f"http://[::127.0.0.1]:{port}/a.png",  # IPv4-compatible
        f"http://[::ffff:127.0.0.1]:{port}/a.png",  # IPv4-mapped
        f"http://[64:ff9b::7f00:1]:{port}/a.png",  # NAT64
        f"http://[2002:7f00:1::]:{port}/a.png",  # 6to4
        f"http://2130706433:{port}/a.png",  # 127.0.0.1 as one number
        f"http://0x7f000001:{port}/a.png",
        f"http://127.1:{port}/a.png",
        f"http://0.0.0.0:{port}/a.png",
        "http://10.0.0.7/a.png",
        "http://192.168.1.1/a.png",
        "http://172.16.0.1/a.png",
        "http://100.64.0.1/a.png",  # shared (carrier-grade NAT)
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00::1]/a.png",
        "http://[fe80::1]/a.png",
        "http://224.0.0.1/a.png",
    ]


def test_every_internal_form_is_refused_before_any_request(server):
    port = server.server_address[1]
    for url in internal_forms(port):
        with pytest.raises(AddressRefused, match="private address"):
            fetch(url)
    assert server.hits == []  # nothing reached the server behind them


def test_a_local_name_from_the_hosts_file_is_refused(server):
    """This machine's own name resolves (through /etc/hosts or DNS) to one of its addresses;
    a public-looking name that resolves to loopback is refused the same way."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if not any(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        pytest.skip("this machine's name does not resolve to loopback")
    with pytest.raises(AddressRefused):
        fetch(f"http://{name}:{server.server_address[1]}/a.png")
    assert server.hits == []


def test_a_trusted_origin_is_fetched(server):
    assert fetch(f"{server.url}/a.png", trusted=[f"{server.url}/"]) == BODY
    assert fetch(f"{server.url}/r/a.png", trusted=[f"{server.url}/r/"]) == BODY


def test_a_trusted_path_cannot_be_left_with_dot_segments(server):
    trusted = [f"{server.url}/r/"]
    for url in (f"{server.url}/other.png", f"{server.url}/r/%2e%2e/admin/", f"{server.url}/r/../x"):
        with pytest.raises(AddressRefused):
            fetch(url, trusted=trusted)
    assert server.hits == []


def test_a_redirect_from_a_trusted_origin_to_an_internal_one_is_refused(server):
    other = start_server()
    try:
        other_port = other.server_address[1]
        server.redirects["/to-other"] = f"http://127.0.0.1:{other_port}/secret"
        server.redirects["/to-metadata"] = "http://169.254.169.254/latest/meta-data/"
        server.redirects["/to-mapped"] = f"http://[::ffff:127.0.0.1]:{other_port}/secret"
        for path in ("/to-other", "/to-metadata", "/to-mapped"):
            with pytest.raises(AddressRefused):
                fetch(f"{server.url}{path}", trusted=[f"{server.url}/"])
        assert other.hits == []  # the internal address was never asked
        assert [path for path, _ in server.hits] == ["/to-other", "/to-metadata", "/to-mapped"]
    finally:
        other.shutdown()
        other.server_close()


def test_redirects_within_a_trusted_origin_are_followed_and_counted(server):
    server.redirects["/hop"] = "/a.png"
    server.redirects["/loop"] = "/loop"
    trusted = [f"{server.url}/"]
    assert fetch(f"{server.url}/hop", trusted=trusted) == BODY
    with pytest.raises(FetchError, match="redirects more than 2 times"):
        fetch(f"{server.url}/loop", trusted=trusted, max_redirects=2)


def test_the_connection_goes_to_the_checked_address_and_keeps_the_name(server):
    """A name that has no DNS entry at all is still reached at the address it was pinned to:
    the connection makes no lookup of its own, and the Host header stays the name."""
    port = server.server_address[1]
    target = Target.parse(f"http://studio-results.invalid:{port}/pinned.png")
    with pytest.raises(FetchError, match="host not found"):
        fetch(f"http://studio-results.invalid:{port}/pinned.png")  # the name does not resolve
    pool = pinned_pool(target, [ipaddress.ip_address("127.0.0.1")], urllib3.Timeout(5, 5))
    with pool:
        response = pool.urlopen("GET", target.path, retries=False)
    assert response.status == 200 and response.data == BODY
    assert server.hits == [("/pinned.png", f"studio-results.invalid:{port}")]


def read_capped(url: str, deadline: float | None = None, **kwargs) -> bytes:
    with open_url(url, trusted=[f"{url.rsplit('/', 1)[0]}/"], **kwargs) as response:
        return read_body(response, limit=100_000, deadline=deadline)


def test_a_body_over_the_limit_is_cut_off(server):
    with pytest.raises(TooLarge, match="is larger than 100000 bytes"):
        read_capped(f"{server.url}/big")
    with pytest.raises(TooLarge, match="announces 1000000000 bytes; the limit is 100000"):
        read_capped(f"{server.url}/announces-big")


def test_a_stalled_body_times_out(server):
    with pytest.raises(FetchError, match="timed out"):
        read_capped(f"{server.url}/stall", timeout=(5, 0.2))


def test_a_dripping_body_is_cut_off_at_the_total_deadline(server):
    with pytest.raises(FetchError, match="timed out"):
        read_capped(f"{server.url}/drip", deadline=time.monotonic() + 0.3)


def test_a_closed_port_and_other_schemes_are_clear_failures(server):
    with pytest.raises(FetchError, match="connection failed"):
        fetch("http://127.0.0.1:9/a.png", trusted=["http://127.0.0.1:9/"])
    for url in ("ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/", "http://"):
        with pytest.raises(FetchError):
            fetch(url)
    with pytest.raises(FetchError, match="host not found"):
        fetch("http://no-such-host.invalid/a.png")


def _certificate(tmp_path, name: str):
    """A CA and a leaf certificate for `name`, written as PEM files: (ca, cert, key) paths."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = build("Test CA", "Test CA", ca_key.public_key(), ca_key, ca=True)
    leaf = build(name, "Test CA", leaf_key.public_key(), ca_key, ca=False, san=[x509.DNSName(name)])
    paths = tmp_path / "ca.pem", tmp_path / "leaf.pem", tmp_path / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(path) for path in paths)


def test_https_to_a_pinned_address_keeps_sni_and_the_certificate_check_on_the_name(tmp_path):
    import ssl

    name = "studio-results.invalid"
    ca, cert, key = _certificate(tmp_path, name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen = []
    context.sni_callback = lambda sock, server_name, ctx: seen.append(server_name)
    httpd = start_server()
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    try:
        target = Target.parse(f"https://{name}:{port}/tls.png")
        loopback = [ipaddress.ip_address("127.0.0.1")]
        with pinned_pool(target, loopback, urllib3.Timeout(5, 5), ca_certs=ca) as pool:
            response = pool.urlopen("GET", target.path, retries=False)
        assert response.status == 200 and response.data == BODY
        assert seen == [name]  # SNI: the name, not the address
        assert httpd.hits == [("/tls.png", f"{name}:{port}")]
        # The same address under another name: the certificate does not match, no request.
        other = Target.parse(f"https://other.invalid:{port}/tls.png")
        with (
            pinned_pool(other, loopback, urllib3.Timeout(5, 5), ca_certs=ca) as pool,
            pytest.raises(urllib3.exceptions.SSLError),
        ):
            pool.urlopen("GET", other.path, retries=False)
        assert len(httpd.hits) == 1
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
