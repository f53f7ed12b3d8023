"""Auth, validation and not-found answers, in the provider's NestJS error shape."""

from __future__ import annotations

import uuid

import pytest

from .conftest import SandboxClient

pytestmark = pytest.mark.django_db(transaction=True)

NIL = "00000000-0000-0000-0000-000000000000"
UNAUTHORIZED = {"message": "Unauthorized", "error": "Unauthorized", "statusCode": 401}
NOT_FOUND = {"message": "Message not found", "error": "Not Found", "statusCode": 404}


def bad_request(message: str) -> dict:
    return {"message": message, "error": "Bad Request", "statusCode": 400}


def test_missing_or_wrong_key_is_401_before_anything_else(api_base, api):
    anonymous = SandboxClient(api_base, None)
    wrong = SandboxClient(api_base, "sk-sandbox-" + "0" * 32)
    for client in (anonymous, wrong):
        for response in (
            client.get(f"message/fetch/{NIL}"),
            client.post("nova/imagine", {}),  # would be a 400 with a good key
            client.get("subscription/account-info"),
        ):
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED
    not_bearer = SandboxClient(api_base, None)
    not_bearer.session.headers["Authorization"] = f"Basic {api.key}"
    assert not_bearer.get(f"message/fetch/{NIL}").status_code == 401
    # The same request with a good key reaches the lookup.
    response = api.get(f"message/fetch/{NIL}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("nova/imagine", {}, "Prompt is required."),
        ("midjourney/imagine", {"prompt": "   "}, "Prompt is required."),
        (
            "nova/imagine",
            {"prompt": "x", "timeout": 5},
            "timeout must be an integer between 10 and 900.",
        ),
        (
            "nova/imagine",
            {"prompt": "x", "webhookOverride": "ftp://h/x"},
            "webhookOverride must be a valid http(s) URL.",
        ),
        ("nova/imagine", {"prompt": "x", "ref": 12}, "ref must be a string."),
        ("flux/imagine", {"n": 2}, "Prompt is required."),
        ("flux/imagine", {"prompt": "x", "n": 5}, "n must be an integer between 1 and 4."),
        ("flux/imagine", {"prompt": "x", "n": 0}, "n must be an integer between 1 and 4."),
        (
            "flux/imagine",
            {"prompt": "x", "width": 1001},
            "width must be a multiple of 8 between 256 and 2048.",
        ),
        (
            "flux/imagine",
            {"prompt": "x", "height": 4096},
            "height must be a multiple of 8 between 256 and 2048.",
        ),
        (
            "flux/imagine",
            {"prompt": "x", "output_format": "gif"},
            "output_format must be one of png, webp, jpg, jpeg.",
        ),
        ("nova/button", {"button": "U1"}, "messageId is required."),
        ("midjourney/button", {"messageId": NIL}, "button is required."),
    ],
)
def test_invalid_bodies_are_400_and_cost_nothing(api, path, body, message):
    response = api.post(path, body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)
    assert api.info()["credits"] == 1000


def test_malformed_json_is_400(api):
    for raw in (b"{not json", b"[1, 2]"):
        response = api.session.post(
            f"{api.base_url}/nova/imagine", data=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert response.json()["statusCode"] == 400


def test_unknown_messages_are_404(api):
    for message_id in (NIL, str(uuid.uuid4()), "not-a-uuid"):
        for path in (f"message/fetch/{message_id}", f"midjourney/message/{message_id}"):
            response = api.get(path)
            assert response.status_code == 404
            assert response.json() == NOT_FOUND
    response = api.post("nova/button", {"messageId": str(uuid.uuid4()), "button": "U1"})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert api.info()["credits"] == 1000


def test_another_key_cannot_see_or_use_a_message(api, make_api):
    message_id = api.submit("nova/imagine", {"prompt": "a private lighthouse"})
    stranger = make_api(label="stranger")
    for path in (f"message/fetch/{message_id}", f"midjourney/message/{message_id}"):
        response = stranger.get(path)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert (
        stranger.post("nova/button", {"messageId": message_id, "button": "U1"}).status_code == 404
    )
    assert api.get(f"message/fetch/{message_id}").status_code == 200


def test_unknown_route_and_wrong_method_answer_like_nestjs(api):
    response = api.get("nova/unknown")
    assert response.status_code == 404
    assert response.json() == {
        "message": "Cannot GET /api/v1/nova/unknown",
        "error": "Not Found",
        "statusCode": 404,
    }
    response = api.get("nova/imagine")
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot GET /api/v1/nova/imagine"
