"""The ImagineLab client against the ImagineLab sandbox over real HTTP (live_server), for every
method, and against a tiny local server for what the sandbox never does (malformed JSON,
5xx, a POST that times out)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from studio.provider.errors import ProviderError
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginelab.results import LabGeneration, parse_output
from studio.provider.messages import DONE, FAIL, PROCESSING, QUEUED
from studio.sandbox.imaginelab.models import SandboxLabAccount
from studio.sandbox.imaginelab.services import expire_tokens, sandbox_lab_account_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lab_account(sandbox_url):
    """(email, password, api_key) of a new sandbox account; the sandbox's address is
    settings.SANDBOX_IMAGINELAB_BASE_URL (set by `sandbox_url`)."""
    return sandbox_lab_account_create(label="client test")


@pytest.fixture
def client(lab_account) -> ImagineLabClient:
    email, password, _ = lab_account
    base = settings.SANDBOX_IMAGINELAB_BASE_URL
    return ImagineLabClient(
        base_url=base, token=ImagineLabClient.login(base_url=base, email=email, password=password)
    )


def poll(client: ImagineLabClient, message_id: str, limit: float = 30.0):
    """fetch_message until final, honouring 429's retry_after; returns (final, seen)."""
    deadline, seen = time.monotonic() + limit, []
    while time.monotonic() < deadline:
        try:
            message = client.fetch_message(message_id)
        except ProviderError as exc:
            assert exc.status == 429, exc
            time.sleep(exc.retry_after or 1)
            continue
        seen.append(message.status)
        if message.is_final:
            return message, seen
        time.sleep(0.15)
    raise AssertionError(f"not final after {limit}s: {seen[-3:]}")


# --- sign-in --------------------------------------------------------------------------------


def test_login_returns_a_token_the_api_accepts(client, lab_account):
    assert client.me()["email"] == lab_account[0]
    assert "labtok" not in repr(client)  # the token never shows


def test_login_with_a_wrong_password_is_a_401_with_the_providers_words(lab_account):
    with pytest.raises(ProviderError) as raised:
        ImagineLabClient.login(
            base_url=settings.SANDBOX_IMAGINELAB_BASE_URL, email=lab_account[0], password="nope"
        )
    assert raised.value.status == 401
    assert raised.value.message == "Incorrect email or password"
    assert not raised.value.retryable


def test_an_api_key_works_like_a_token(lab_account):
    keyed = ImagineLabClient(base_url=settings.SANDBOX_IMAGINELAB_BASE_URL, token=lab_account[2])
    assert keyed.wallet().balance == settings.SANDBOX_STARTING_CREDITS


def test_an_expired_token_is_a_final_401(client, lab_account):
    expire_tokens(lab_account[0])
    with pytest.raises(ProviderError) as raised:
        client.wallet()
    assert raised.value.status == 401
    assert raised.value.message == "Could not validate credentials"
    assert not raised.value.retryable and not raised.value.maybe_accepted
    # A person reads what ImagineLab means by 401, not ImaginePro's "no credits left".
    assert raised.value.describe() == (
        "ImagineLab refused the sign-in or API key (a sign-in expires: sign in again): "
        "Could not validate credentials"
    )


# --- models, generations --------------------------------------------------------------------


def test_models_are_typed_with_costs_and_settings(client):
    models = client.models()
    assert {m.generation_type for m in models} == {
        "image",
        "video",
        "voice",
        "music",
        "infographic",
        "text",
    }
    seedream = next(m for m in models if m.name == "seedream-5.0-lite")
    assert seedream.credits == 5 and seedream.label == "Seedream 5.0 Lite"
    assert seedream.settings["aspect_ratio"]["type"] == "choice"
    assert "16:9" in seedream.settings["aspect_ratio"]["choices"]


def test_create_status_get_follow_one_generation(client, sandbox_clock):
    # The sandbox's clock held: a busy machine's CI saw the job "processing" in create's answer.
    created = client.create(
        generation_type="image",
        model_name="seedream-5.0-lite",
        prompt="A neon city skyline at dusk",
        settings={"aspect_ratio": "16:9"},
    )
    assert isinstance(created, LabGeneration)
    assert isinstance(created.id, int) and created.status == "pending"
    assert created.credit_cost == 5 and created.created_at is not None
    assert created.outputs == []
    status = client.status(created.id)
    assert status.id == created.id and status.status == "pending"
    sandbox_clock.advance(600)  # past any sandbox job's end
    final, _ = poll(client, str(created.id))
    assert final.status == DONE
    record = client.get(created.id)
    assert record.status == "completed" and record.progress == 100
    assert [o.kind for o in record.outputs] == ["image"]
    assert record.outputs[0].url.endswith(".png")


@pytest.mark.parametrize(
    ("generation_type", "model_name", "settings_", "check"),
    [
        ("image", "lumen-xl", {}, lambda m: len(m.images) == 1 and m.credits == 7),
        ("infographic", "chartsmith-1", {"theme": "dark"}, lambda m: m.images[0].endswith(".png")),
        (
            "video",
            "kinetic-2",
            {"duration": 5},
            lambda m: m.video_url.endswith(".mp4") and m.video_urls == [(0, m.video_url)],
        ),
        (
            "video",
            "loop-motion-1",
            {},
            lambda m: m.video_url.endswith(".webp") and m.images == [],
        ),
        ("voice", "vocalis-1", {"voice": "dune"}, lambda m: m.audio_urls[0].endswith(".wav")),
        ("music", "harmonia-1", {"duration": 5}, lambda m: len(m.audio_urls) == 1),
        (
            "text",
            "scribe-1",
            {"max_words": 25},
            lambda m: len(m.texts) == 1 and len(m.texts[0].split()) <= 25 and not m.images,
        ),
    ],
)
def test_submit_and_fetch_message_give_each_type_its_outputs(
    client, generation_type, model_name, settings_, check
):
    body = {
        "generation_type": generation_type,
        "model_name": model_name,
        "prompt": "Harbour lights on a winter evening",
        "settings": settings_,
        "project_id": None,
    }
    # BaseParams of ImaginePro have no ImagineLab equivalent: ignored, not sent.
    submitted = client.submit("lab_generate", body, ref="r-1", timeout=300, webhook_override="")
    assert submitted.message_id.isdigit()
    assert submitted.credits is not None and submitted.created_at is not None
    final, seen = poll(client, submitted.message_id, limit=40)
    assert final.status == DONE, final.error
    assert final.progress == 100 and final.message_id == submitted.message_id
    assert final.credits == submitted.credits
    assert check(final), final
    assert set(seen) <= {QUEUED, PROCESSING, DONE}


def test_a_failed_generation_reports_the_providers_reason(client):
    submitted = client.submit(
        "lab_generate",
        {"generation_type": "text", "model_name": "scribe-1", "prompt": "something banned"},
    )
    final, _ = poll(client, submitted.message_id)
    assert final.status == FAIL
    assert "banned" in final.error
    assert final.images == [] and final.texts == []


def test_submit_refuses_other_routes(client):
    with pytest.raises(ValueError):
        client.submit("imagine", {"prompt": "x"})


def test_history_pages_and_delete(client, settings):
    settings.SANDBOX_IMAGINELAB_RATE = 0  # a burst of calls, not a rate-limit test
    made = [
        client.create(generation_type="text", model_name="scribe-1", prompt=f"note {i}").id
        for i in range(3)
    ]
    first = client.history(page=1, page_size=2)
    assert [item.id for item in first.items] == made[::-1][:2]
    assert first.has_next and first.total == 3 and first.page == 1
    second = client.history(page=2, page_size=2)
    assert [item.id for item in second.items] == [made[0]] and not second.has_next
    assert client.delete(made[0]) is None
    with pytest.raises(ProviderError) as raised:
        client.get(made[0])
    assert raised.value.status == 404 and raised.value.message == "Generation not found"
    with pytest.raises(ProviderError) as raised:
        client.delete(made[0])
    assert raised.value.status == 404
    assert client.history().total == 2


# --- wallet and errors ----------------------------------------------------------------------


def test_wallet_and_packages(client):
    wallet = client.wallet()
    assert wallet.balance == settings.SANDBOX_STARTING_CREDITS
    assert wallet.raw["currency"] == "credits"
    client.create(generation_type="voice", model_name="vocalis-1", prompt="hello")
    assert client.wallet().balance == settings.SANDBOX_STARTING_CREDITS - 3
    packages = client.packages()
    assert packages and all({"name", "credits", "price"} <= set(p) for p in packages)


def test_insufficient_credits_is_a_final_402(sandbox_url):
    email, password, _ = sandbox_lab_account_create(credits=4)
    base = settings.SANDBOX_IMAGINELAB_BASE_URL
    poor = ImagineLabClient(
        base_url=base, token=ImagineLabClient.login(base_url=base, email=email, password=password)
    )
    with pytest.raises(ProviderError) as raised:
        poor.create(generation_type="image", model_name="seedream-5.0-lite", prompt="x")
    assert raised.value.status == 402
    assert raised.value.message == "Insufficient credits"
    assert not raised.value.retryable and not raised.value.maybe_accepted
    assert poor.wallet().balance == 4
    assert poor.history().total == 0


def test_rate_limited_is_retryable_with_retry_after(client, lab_account):
    SandboxLabAccount.objects.filter(email=lab_account[0]).update(force_429=1)
    with pytest.raises(ProviderError) as raised:
        client.submit(
            "lab_generate",
            {"generation_type": "text", "model_name": "scribe-1", "prompt": "hi"},
        )
    assert raised.value.status == 429
    assert raised.value.retryable and raised.value.retry_after == 1.0
    assert raised.value.message == "Rate limit exceeded"
    assert client.history().total == 0  # a 429 started nothing


def test_detail_strings_and_422_lists_become_the_message(client):
    with pytest.raises(ProviderError) as raised:
        client.create(generation_type="image", model_name="no-such-model", prompt="x")
    assert raised.value.status == 400
    assert "Unknown model 'no-such-model'" in raised.value.message
    with pytest.raises(ProviderError) as raised:
        client.submit("lab_generate", {"generation_type": "image"})
    assert raised.value.status == 422
    assert raised.value.message == "model_name: Field required; prompt: Field required"


# --- what the sandbox never does: a tiny local server ---------------------------------------


class Scripted:
    """A local HTTP server answering every request with the next scripted
    (status, headers, body, delay) and recording what it was sent."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.requests.append(
                    (self.command, self.path, dict(self.headers), self.rfile.read(length))
                )
                status, headers, body, delay = owner.answers.pop(0)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    servers = []

    def make(*answers) -> tuple[Scripted, ImagineLabClient]:
        server = Scripted(answers)
        servers.append(server)
        return server, ImagineLabClient(base_url=server.url, token="t0k", timeout=(2, 0.5))

    yield make
    for server in servers:
        server.close()


JSON = {"Content-Type": "application/json"}
CREATE = {"generation_type": "text", "model_name": "m", "prompt": "p"}


def test_malformed_json_on_a_read_is_retryable(scripted):
    server, lab = scripted((200, JSON, b"{not json", 0))
    with pytest.raises(ProviderError) as raised:
        lab.wallet()
    assert raised.value.retryable and not raised.value.maybe_accepted
    assert server.requests[0][2]["Authorization"] == "Bearer t0k"


def test_malformed_json_after_a_create_may_have_started_it(scripted):
    _, lab = scripted((201, JSON, b"<html>oops", 0))
    with pytest.raises(ProviderError) as raised:
        lab.submit("lab_generate", CREATE)
    assert raised.value.maybe_accepted and not raised.value.retryable


def test_a_create_answer_without_an_id_may_have_started_it(scripted):
    _, lab = scripted((201, JSON, b'{"status": "pending"}', 0))
    with pytest.raises(ProviderError) as raised:
        lab.submit("lab_generate", CREATE)
    assert raised.value.maybe_accepted


def test_a_read_timeout_on_create_is_maybe_accepted_on_a_read_only_retryable(scripted):
    _, lab = scripted((201, JSON, b'{"id": 1}', 1.5), (200, JSON, b'{"balance": 1}', 1.5))
    with pytest.raises(ProviderError) as raised:
        lab.submit("lab_generate", CREATE)
    assert raised.value.status is None and raised.value.maybe_accepted and raised.value.retryable
    with pytest.raises(ProviderError) as raised:
        lab.wallet()
    assert raised.value.retryable and not raised.value.maybe_accepted


def test_server_errors_are_retryable_and_a_502_on_create_may_have_started_it(scripted):
    _, lab = scripted(
        (500, JSON, b'{"detail": "Upstream model crashed"}', 0),
        (502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>", 0),
    )
    with pytest.raises(ProviderError) as raised:
        lab.status(5)
    assert raised.value.status == 500 and raised.value.retryable
    assert raised.value.message == "Upstream model crashed"
    with pytest.raises(ProviderError) as raised:
        lab.submit("lab_generate", CREATE)
    assert raised.value.status == 502 and raised.value.maybe_accepted


def test_retry_after_from_the_body_and_message_or_error_fields(scripted):
    _, lab = scripted(
        (429, JSON, b'{"detail": "Slow down", "retry_after": 7}', 0),
        (400, JSON, b'{"message": "Bad field"}', 0),
        (403, JSON, b'{"error": "Plan required"}', 0),
    )
    with pytest.raises(ProviderError) as raised:
        lab.wallet()
    assert raised.value.retry_after == 7.0 and raised.value.message == "Slow down"
    with pytest.raises(ProviderError) as raised:
        lab.wallet()
    assert raised.value.message == "Bad field"
    with pytest.raises(ProviderError) as raised:
        lab.wallet()
    assert raised.value.message == "Plan required" and not raised.value.retryable


def test_lenient_shapes_of_lists_history_and_wallet(scripted):
    server, lab = scripted(
        (200, JSON, b'{"models": [{"name": "a", "type": "Image", "cost": 4}, {"x": 1}]}', 0),
        (
            200,
            JSON,
            b'{"results": [{"id": "9", "status": "COMPLETED", "type": "music",'
            b' "outputs": [{"url": "https://cdn.example/x", "type": "audio"}]}],'
            b' "page": 1, "pages": 3}',
            0,
        ),
        (200, JSON, b'{"credit_balance": "12"}', 0),
    )
    models = lab.models()
    assert [(m.name, m.generation_type, m.credits) for m in models] == [("a", "image", 4)]
    page = lab.history(page=1, page_size=1)
    assert page.has_next and page.total is None
    item = page.items[0]
    assert item.id == 9 and item.status == "completed" and item.progress == 100
    assert item.outputs[0].kind == "audio"
    assert "page_size=1" in server.requests[1][1]
    assert lab.wallet().balance == 12


def test_output_kinds():
    assert parse_output("https://x/clip.webp", "video").kind == "video"
    assert parse_output("https://x/a.mp3").kind == "audio"
    assert parse_output("https://x/a.webm").kind == "video"
    assert parse_output("https://x/a.jpg").kind == "image"
    assert parse_output("Once upon a time", "text").text == "Once upon a time"
    assert parse_output("https://x/readme", "text").kind == "text"
    assert (
        parse_output({"url": "https://x/f", "content_type": "audio/wav"}, "image").kind == "audio"
    )
    assert parse_output({"text": "hi"}).kind == "text"
    assert parse_output({"url": ""}) is None
    assert parse_output(42) is None
