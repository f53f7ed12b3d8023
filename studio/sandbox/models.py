"""Sandbox tables: simulated ImaginePro accounts and jobs.

A job's whole timeline (when it leaves QUEUED, when it ends, DONE or FAIL) is decided at
submit and stored, so every web worker computes the same status from the clock alone.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class SandboxAccount(models.Model):
    """A simulated provider account, reached with a bearer key (stored as its sha256)."""

    label = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True)
    key_last4 = models.CharField(max_length=4)
    email = models.CharField(max_length=254)
    credits = models.IntegerField()
    credits_quota = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # DIY plan (docs/provider-contract.md §3.18; diy/): sandbox accounts are on it unless switched off,
    # which makes the DIY routes answer 403 like the provider would for another plan.
    diy = models.BooleanField(default=True, help_text="on the DIY plan (own Discord accounts)")
    queue_paused_at = models.DateTimeField(
        null=True, blank=True, help_text="the DIY queue is paused since (empty: running)"
    )
    ban_words = models.JSONField(default=list, blank=True, help_text="the DIY ban list")
    # Every 429 the sandbox answered this account (progress rate limit and http_429 faults),
    # so a benchmark can read "429s seen" (faults.rate_limited_count).
    rate_limited = models.PositiveIntegerField(default=0, help_text="429 answers sent")

    def __str__(self) -> str:
        return f"{self.label} (…{self.key_last4})"


class SandboxDiscordToken(models.Model):
    """A linked Midjourney (Discord) account of a DIY sandbox account: the token object of
    docs/provider-contract.md §3.18 (`GET /discord/tokens`), its mode and its `/info` numbers."""

    class Mode(models.TextChoices):
        FAST = "fast", "Fast"
        RELAX = "relax", "Relax"
        TURBO = "turbo", "Turbo"

    account = models.ForeignKey(
        SandboxAccount, on_delete=models.CASCADE, related_name="discord_tokens"
    )
    # Simulated Discord credentials: the provider returns them whole; the studio masks them.
    token = models.CharField(max_length=200)
    channel_id = models.CharField(max_length=30)
    server_id = models.CharField(max_length=30)
    is_active = models.BooleanField(default=True)
    banned = models.BooleanField(default=False)
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.FAST)
    concurrency = models.PositiveSmallIntegerField(default=3)
    subscription = models.CharField(max_length=200)
    visibility = models.CharField(max_length=20, default="Public")
    # Fast time as Midjourney's /info reports it: "<left>/<total> <unit> (<pct>%)".
    fast_time_unit = models.CharField(max_length=10, default="minutes")
    fast_time_total = models.FloatField(default=200.0)
    fast_time_used = models.FloatField(default=0.0)
    lifetime_images = models.PositiveIntegerField(default=0)
    relaxed_images = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"token {self.pk} of {self.account_id}"


class SandboxJob(models.Model):
    """One submitted task (a Message of docs/provider-contract.md §1.3), its plan and its webhook state."""

    class Kind(models.TextChoices):
        IMAGINE = "imagine", "Midjourney imagine"
        BUTTON = "button", "Midjourney button"
        FLUX = "flux", "Flux imagine"
        UNIVERSAL = "universal", "Nano Banana (universal imagine)"
        ZIMAGE = "zimage", "Lumi Girl (universal zimage)"
        VIDEO = "video", "Midjourney video"
        UPSCALE = "upscale", "Flux upscale"
        REMOVE_BG = "remove-bg", "Background removal"
        DESCRIBE = "describe", "Midjourney describe"
        FACESWAP = "faceswap", "Midjourney face swap"
        BLEND = "blend", "Midjourney blend"
        COMMAND = "command", "Midjourney bot command"

    class Shape(models.TextChoices):
        GRID = "grid", "2×2 grid"  # uri = grid, images = 4 tiles
        SINGLE = "single", "single image"  # uri = images[0]
        BATCH = "batch", "n images"  # Flux: images = n files, uri = first
        VIDEO = "video", "MP4 video"  # uri = videoUrl = results[0].url, images = []
        NONE = "none", "no file"  # a Cancel Job press: DONE at once, nothing to show

    class Outcome(models.TextChoices):
        DONE = "DONE"
        FAIL = "FAIL"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="jobs")
    endpoint = models.CharField(max_length=100, help_text="API path used, e.g. nova/imagine")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=40, blank=True, help_text="button value, e.g. U1")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    prompt = models.TextField()
    seed = models.BigIntegerField()
    shape = models.CharField(max_length=10, choices=Shape.choices)
    # Pixel size of one output image (for a grid: one tile; the grid is 2w × 2h).
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    count = models.PositiveSmallIntegerField(help_text="number of output images")
    output_format = models.CharField(max_length=4, default="png")
    output_quality = models.PositiveSmallIntegerField(default=100)
    cost = models.IntegerField()
    ref = models.TextField(blank=True)
    webhook_url = models.CharField(max_length=2000, blank=True)
    timeout = models.PositiveIntegerField(default=900, help_text="seconds, as sent")
    request_body = models.JSONField(default=dict, help_text="the JSON body received")
    # Image URLs fetched at submit, in order; their bytes are stored as `input-<n>` (1-based)
    # next to the job's results (render/files.py), never served.
    inputs = models.JSONField(default=list, blank=True, help_text="input image URLs")
    # Root of the sandbox as the submitting client saw it, for URLs in webhook payloads.
    base_url = models.CharField(max_length=500)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    processing_at = models.DateTimeField(help_text="end of QUEUED")
    done_at = models.DateTimeField(help_text="when it would be DONE")
    ends_at = models.DateTimeField(db_index=True, help_text="terminal moment")
    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    error = models.TextField(blank=True)
    refunded = models.BooleanField(default=False, help_text="a failed job's credits returned")

    # DIY plan (diy.py): the linked Discord account that runs the job, when it is held in a
    # paused queue (its timeline is then pushed far ahead and restored on resume), and a
    # bot command's answer (shown as the message's `prompt` once DONE, like describe).
    token = models.ForeignKey(
        SandboxDiscordToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    held_at = models.DateTimeField(null=True, blank=True, db_index=True)
    answer = models.TextField(blank=True)

    files_ready = models.BooleanField(default=False)
    webhook_sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    webhook_status = models.IntegerField(null=True, blank=True)
    webhook_error = models.TextField(blank=True)
    # A webhook fault chosen when the job was created (faults.py): how its terminal webhook
    # misbehaves ("" = normally), and the moment before which it is not sent (webhook_late).
    webhook_fault = models.CharField(max_length=30, blank=True)
    webhook_hold_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.action or ''} {self.id}".replace("  ", " ")


class SandboxFault(models.Model):
    """An injected fault (faults.py): what goes wrong, for whom, on which requests, how often.

    `provider`: which simulated API misbehaves (ImaginePro or ImagineLab). `account` (an
    ImaginePro sandbox account) or `lab_account` (an ImagineLab one), None = that provider's
    whole sandbox. `remaining` None = until removed, else the next N matching requests.
    `seconds`: latency, Retry-After, read-timeout stall, webhook delay, or lost_answer's
    stall. `text`: the FAIL error of kind "fail". `credits`: the wallet level of an
    ImagineLab "wallet_402" fault.
    """

    class Provider(models.TextChoices):
        IMAGINEPRO = "imaginepro", "ImaginePro"
        IMAGINELAB = "imaginelab", "ImagineLab"

    class Kind(models.TextChoices):
        LATENCY = "latency", "Added latency"
        HTTP_429 = "http_429", "429 Too Many Requests"
        HTTP_500 = "http_500", "500 Internal Server Error"
        HTTP_502 = "http_502", "502 Bad Gateway"
        RESET = "reset", "Connection reset"
        READ_TIMEOUT = "read_timeout", "Read timeout (stall)"
        MALFORMED_JSON = "malformed_json", "Malformed JSON"
        FAIL = "fail", "Job ends FAIL"
        NEVER_FINISH = "never_finish", "Job never finishes"
        LOST_ANSWER = "lost_answer", "Submit accepted, answer lost"
        WEBHOOK_LATE = "webhook_late", "Webhook late"
        WEBHOOK_DUPLICATE = "webhook_duplicate", "Webhook duplicated"
        WEBHOOK_OUT_OF_ORDER = "webhook_out_of_order", "Webhook out of order"
        WEBHOOK_NEVER = "webhook_never", "Webhook never sent"
        WALLET_402 = "wallet_402", "402 Payment Required (wallet level)"
        TOKEN_EXPIRED = "token_expired", "401 sign-in token expired"

    class On(models.TextChoices):
        ANY = "any", "any request"
        SUBMIT = "submit", "submits (POSTs that create a job)"
        FETCH = "fetch", "progress fetches"
        HISTORY = "history", "history (nova/images)"
        FILES = "files", "result files (CDN)"
        CHECK = "check", "prompt checks (nova/prompt-check)"

    provider = models.CharField(
        max_length=12, choices=Provider.choices, default=Provider.IMAGINEPRO
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    account = models.ForeignKey(
        SandboxAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="faults"
    )
    lab_account = models.ForeignKey(
        "sandbox.SandboxLabAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="faults",
    )
    on = models.CharField(max_length=10, choices=On.choices, default=On.ANY)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    probability = models.FloatField(default=1.0)
    seconds = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    credits = models.IntegerField(null=True, blank=True, help_text="wallet level (wallet_402)")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        # The per-request lookup: faults for (this account or everyone) on (this kind of
        # request or any).
        indexes = [models.Index(fields=["on", "account"], name="sandbox_fault_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.on}"


class SandboxRateBucket(models.Model):
    """Progress requests of one account in one 100 ms bucket (imaginepro/progress_rate.py):
    the sliding one-second window is the sum of the last ten buckets, shared by every
    process through the database."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="+")
    bucket = models.BigIntegerField(help_text="monotonic 100 ms slot: unix time × 10")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "bucket"], name="sandbox_rate_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.count} at {self.bucket} for {self.account_id}"


# The ImagineLab simulator's tables live in their own package; importing them here registers
# them with this app whether or not the admin is loaded.
from studio.sandbox.imaginelab.models import (  # noqa: E402, F401
    SandboxLabAccount,
    SandboxLabGeneration,
    SandboxLabToken,
)
