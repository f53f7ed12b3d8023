"""Generations (one remote job each), their stored outputs, and the poller's lease."""

from __future__ import annotations

import math
import re
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from studio.generation.buttons import name as button_name
from studio.generation.form_urls import form_url
from studio.generation.querysets import WALL_INDEXES, AssetQuerySet, GenerationQuerySet
from studio.generation.titles import lab_title


class Status(models.TextChoices):
    """Our own lifecycle. Transitions only move forward (see RANK); DONE and FAILED are final."""

    QUEUED = "queued", "Queued"  # saved, waiting for the worker to submit it
    SUBMITTING = "submitting", "Submitting"  # claimed by a worker, request in flight
    SUBMITTED = "submitted", "Submitted"  # provider accepted it (its QUEUED/SUBMITTED)
    PROCESSING = "processing", "Processing"
    DOWNLOADING = "downloading", "Saving files"  # provider DONE, copying files to us
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


RANK = {status: rank for rank, status in enumerate(Status.values)}
ACTIVE = (Status.QUEUED, Status.SUBMITTING, Status.SUBMITTED, Status.PROCESSING, Status.DOWNLOADING)
FINAL = (Status.DONE, Status.FAILED)
# Statuses the poller asks the provider about.
POLLED = (Status.SUBMITTED, Status.PROCESSING)


def new_webhook_token() -> str:
    """A fresh secret for a generation's webhook URL: 32 random bytes, URL-safe (43 chars)."""
    return secrets.token_urlsafe(32)


class FinishedBy(models.TextChoices):
    """How the studio learnt a generation's final provider state (DONE or FAIL)."""

    POLL = "poll", "Poll"
    WEBHOOK = "webhook", "Webhook"
    LOOKUP = "lookup", "History lookup"  # an unknown submit outcome, found in the history


class WaitingFor(models.TextChoices):
    """What a job waits for on the studio's side, beyond the provider."""

    NOTHING = "", "nothing"
    SIGN_IN = "sign_in", "a new sign-in to the provider"


class PromptCheck(models.TextChoices):
    """The provider's prompt check (POST /nova/prompt-check), asked by the submit task just
    before the submit, at most once per job (submit.py, transitions.take_prompt_check)."""

    NONE = "", "not asked for"
    PENDING = "pending", "to ask before the submit"
    ASKED = "asked", "asked"


class Model(models.TextChoices):
    MIDJOURNEY = "midjourney", "Midjourney"
    FLUX = "flux", "Flux"
    NANO_BANANA = "nano_banana", "Nano Banana"
    LUMI_GIRL = "lumi_girl", "Lumi Girl"
    VIDEO = "mj_video", "Midjourney video"
    TOOLS = "tools", "Image tools"
    IMAGINELAB = "imaginelab", "ImagineLab"  # the type is the action, the model in params


class Action(models.TextChoices):
    IMAGINE = "imagine", "Imagine"
    BUTTON = "button", "Button"
    DESCRIBE = "describe", "Describe"
    BLEND = "blend", "Blend"
    FACESWAP = "faceswap", "Face swap"
    UPSCALE = "upscale", "Upscale"
    REMOVE_BG = "remove_bg", "Remove background"
    VIDEO = "video", "Video"
    EXTEND = "extend", "Extend video"
    # ImagineLab generation types beyond image (IMAGINE) and video (VIDEO).
    VOICE = "voice", "Voice"
    MUSIC = "music", "Music"
    INFOGRAPHIC = "infographic", "Infographic"
    TEXT = "text", "Text"


class Generation(models.Model):
    """One job at the provider, from our form to our stored files.

    `params` keeps the form's cleaned values (to "retry with the same settings");
    `endpoint` names the client route (`ImagineProClient.SUBMIT_ROUTES`) and `request_body`
    is exactly what is sent there, minus ref/webhook/timeout. A button press (or an upscale,
    a video extension…) is a child whose `parent` is the generation it acts on: the lineage
    is a tree.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    provider_key = models.ForeignKey(
        "accounts.ProviderKey", null=True, on_delete=models.SET_NULL, related_name="generations"
    )
    # None: the maker's personal gallery; else the paying key's team (teams.access rules).
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="generations"
    )
    is_sandbox = models.BooleanField(default=False)
    model = models.CharField(max_length=20, choices=Model.choices)
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.IMAGINE)
    endpoint = models.CharField(max_length=40, default="imagine", help_text="client route")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # The first generation of this lineage (itself for a first prompt): one query fetches
    # a whole tree. SET_NULL: deleting a root leaves its descendants findable by parent.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="descendants"
    )
    # The jobs of one prompt-bar submission that made several (Compare, `{a, b}`, repeat)
    # share this id (studio.generation.batches.submit); None for a job sent alone.
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    button = models.CharField(max_length=40, blank=True)
    prompt = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    aspect_ratio = models.CharField(
        max_length=12, blank=True, db_index=True, help_text='"W:H" as asked, or as delivered'
    )
    request_body = models.JSONField(default=dict, blank=True)
    cost = models.PositiveIntegerField(default=0, help_text="credits, per the provider's table")
    timeout = models.PositiveIntegerField(default=900, help_text="seconds, sent to the provider")
    prompt_check = models.CharField(
        max_length=10, choices=PromptCheck.choices, blank=True, default=PromptCheck.NONE
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    status_note = models.CharField(max_length=200, blank=True)
    # What the job waits for besides the provider (the card offers it), set and cleared by
    # the worker; status_note only words it.
    waiting_for = models.CharField(
        max_length=20, choices=WaitingFor.choices, blank=True, default=WaitingFor.NOTHING
    )
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=100, blank=True, db_index=True)
    buttons = models.JSONField(default=list, blank=True)
    text_outputs = models.JSONField(
        default=list, blank=True, help_text="text results, e.g. the prompts of a describe"
    )
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    raw_message = models.JSONField(null=True, blank=True)

    attempts = models.PositiveSmallIntegerField(default=0, help_text="submit attempts")
    poll_failures = models.PositiveSmallIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    # The submit's answer never came (read timeout, reset, 502/504, unreadable 200): the job
    # stays SUBMITTING and is looked up in the provider's history, never posted again.
    outcome_unknown_at = models.DateTimeField(null=True, blank=True)
    # When the provider's status or progress last moved (for "no news for 3 min" notes).
    news_at = models.DateTimeField(null=True, blank=True)
    # The secret part of this generation's webhook URL (generation:webhook); compared in
    # constant time. Empty on rows older than webhooks: those get no webhook.
    webhook_token = models.CharField(max_length=64, blank=True, default=new_webhook_token)
    webhook_expected = models.BooleanField(
        default=False, help_text="webhookOverride was sent with the submit"
    )
    # Indexed: the poller asks which keys' webhooks arrived within the hour on every pass.
    webhook_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="last webhook received"
    )
    finished_by = models.CharField(max_length=10, choices=FinishedBy.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_poll_at"]),
            models.Index(fields=["user", "-created_at"]),
            *WALL_INDEXES,  # the gallery's wall (studio.generation.querysets)
            # studio.gallery.live's "what moved since": one range per branch of visible_q.
            models.Index(fields=["user", "updated_at"], name="generation_user_updated"),
            models.Index(fields=["team", "updated_at"], name="generation_team_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_display()} {self.action} {self.id}"

    def get_absolute_url(self) -> str:
        return reverse("generation:detail", args=[self.id])

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def is_cancelled(self) -> bool:
        """Closed because its maker cancelled it: FAILED with `cancel_requested_at` set
        (cancel.py; a cancel the provider refused clears the stamp)."""
        return self.status == Status.FAILED and self.cancel_requested_at is not None

    @property
    def live_note(self) -> str:
        """`status_note` as it reads now: a "next try in N s" written when the worker paused
        is recounted from `next_poll_at`, so the card never shows a frozen wait."""
        note = self.status_note
        if not note or not self.next_poll_at or not _NEXT_TRY.search(note):
            return note
        left = math.ceil((self.next_poll_at - timezone.now()).total_seconds())
        now_text = "next try in a moment" if left <= 0 else f"next try in {left} s"
        return _NEXT_TRY.sub(now_text, note)

    @property
    def title(self) -> str:
        """The card's title: button and model, tool, model, or ImagineLab type · model."""
        if self.model == Model.IMAGINELAB:
            return lab_title(self.action, (self.request_body or {}).get("model_name"))
        if self.action == Action.BUTTON:
            return f"{button_name(self.button)} of {self.get_model_display()}"
        if self.action == Action.UPSCALE:
            return f"Upscale ×{self.request_body.get('scale', '')}".strip()
        if self.action in (Action.IMAGINE, Action.VIDEO):
            return self.get_model_display()
        return self.get_action_display()

    @property
    def request_summary(self) -> dict:
        """`request_body` for reading: long values (a base64 mask) shortened to their size."""

        def short(value):
            if isinstance(value, str) and len(value) > 300:
                return f"<{len(value):,} characters>"
            if isinstance(value, list):
                return [short(item) for item in value]
            if isinstance(value, dict):
                return {key: short(item) for key, item in value.items()}
            return value

        return short(self.request_body)

    @property
    def form_url(self) -> str:
        """The form that makes this kind of generation (studio.generation.form_urls)."""
        return form_url(self.action, self.model, self.params or {})

    @property
    def images(self) -> list[Asset]:
        """Stored result images in order (uses a prefetch of `assets` when there is one)."""
        return [asset for asset in self.assets.all() if asset.role == Asset.Role.IMAGE]

    @property
    def videos(self) -> list[Asset]:
        """Stored result videos in order (the provider's `results[].index` + 1)."""
        return [asset for asset in self.assets.all() if asset.role == Asset.Role.VIDEO]

    def _tile_of(self, button: str, tiles: int) -> int | None:
        match = _TILE_BUTTON.fullmatch(button)
        if match and tiles > 1 and int(match.group(1)) <= tiles:
            return int(match.group(1))
        return None

    @property
    def image_tiles(self) -> list[tuple[Asset, list[str]]]:
        """Each image with the buttons that act on it: U n and V n belong to tile n of a grid."""
        images = self.images
        return [
            (asset, [b for b in self.buttons if self._tile_of(b, len(images)) == asset.index])
            for asset in images
        ]

    @property
    def other_buttons(self) -> list[str]:
        """Buttons of the whole result (🔄, Zoom, Vary …, or everything for a single image)."""
        tiles = len(self.images)
        return [b for b in self.buttons if self._tile_of(b, tiles) is None]

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at and self.created_at:
            return (self.finished_at - self.created_at).total_seconds()
        return None


_TILE_BUTTON = re.compile(r"[UV]([1-4])")
_NEXT_TRY = re.compile(r"next try in \d+ s")


def _asset_path(asset: Asset, filename: str) -> str:
    return f"generations/{asset.generation_id}/{filename}"


class Asset(models.Model):
    """A result file copied into our storage (provider links expire after 24 h)."""

    class Role(models.TextChoices):
        IMAGE = "image", "Image"
        GRID = "grid", "Grid"
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"  # ImagineLab voice and music, with `duration`

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="assets")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.IMAGE)
    index = models.PositiveSmallIntegerField(help_text="1-based, as in U1–U4 (video: index + 1)")
    file = models.FileField(upload_to=_asset_path, max_length=300)
    thumbnail = models.FileField(upload_to=_asset_path, max_length=300, blank=True)
    content_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(null=True, blank=True, help_text="seconds, video and audio")
    source_url = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["role", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "role", "index"], name="asset_unique_per_generation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.index} of {self.generation_id}"

    def save(self, *args, **kwargs) -> None:
        """Saves the row, then moves the generation's `updated_at` (see `AssetQuerySet`)."""
        super().save(*args, **kwargs)
        Generation.objects.filter(pk=self.generation_id).update()

    def delete(self, *args, **kwargs):
        """Deletes the row, then moves the generation's `updated_at` (see `AssetQuerySet`)."""
        deleted = super().delete(*args, **kwargs)
        Generation.objects.filter(pk=self.generation_id).update()
        return deleted

    @property
    def thumb_size(self) -> tuple[int, int]:
        """Thumbnail pixel size (longest side at most 512), for width/height attributes."""
        longest = max(self.width, self.height, 1)
        scale = min(1.0, 512 / longest)
        return round(self.width * scale), round(self.height * scale)

    @property
    def thumb_width(self) -> int:
        return self.thumb_size[0]

    @property
    def thumb_height(self) -> int:
        return self.thumb_size[1]


class Lease(models.Model):
    """A named lock held until `until`, taken with a conditional UPDATE (works on SQLite and
    PostgreSQL alike). Only the holder of "poller" polls the provider."""

    name = models.CharField(max_length=50, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.until:%H:%M:%S}"
