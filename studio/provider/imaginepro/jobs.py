"""The ImaginePro calls that start a job, one typed method per route (they build the body
and go through `submit`). A mixin of ImagineProClient.
"""

from __future__ import annotations

from typing import Any

from studio.provider.imaginepro.paths import button_body
from studio.provider.messages import SubmitResult


class JobCalls:
    """Typed generating calls; each goes through the host client's `submit`."""

    def imagine(self, *, prompt: str, boost: bool = False, **base: Any) -> SubmitResult:
        """Midjourney imagine (POST /nova/imagine, docs "Generate Image"; https://platform.imaginepro.ai/ai-agent-skill /midjourney/imagine;
        with `boost`, POST /nova/boost/imagine, D:230265220).

        `prompt` carries every Midjourney flag (`--ar 16:9 --relax` …); an image URL first
        makes it image-to-image (D:215988676). `base` takes the BaseParams.
        """
        return self.submit("boost_imagine" if boost else "imagine", {"prompt": prompt}, **base)

    def button(
        self,
        *,
        message_id: str,
        button: str,
        prompt: str = "",
        mask: str = "",
        boost: bool = False,
        **base: Any,
    ) -> SubmitResult:
        """Press a Midjourney button (POST /nova/button, D:215985336; boost: /nova/boost/button).

        `button` must be a value of the message's `buttons` list, sent verbatim (emoji
        included). `prompt`: remix prompt for V1–V4/🔄, or the region prompt of
        `Vary (Region)`, whose `mask` is a base64 image, white region on black (D:215991738).
        """
        return self.submit(
            "boost_button" if boost else "button",
            button_body(message_id=message_id, button=button, prompt=prompt, mask=mask),
            **base,
        )

    def flux_imagine(
        self,
        *,
        prompt: str,
        n: int = 1,
        width: int | None = None,
        height: int | None = None,
        aspect_ratio: str | None = None,
        output_format: str = "png",
        **base: Any,
    ) -> SubmitResult:
        """FLUX 1.1 Pro (POST /flux/imagine, D:237017608, https://platform.imaginepro.ai/ai-agent-skill). Body names are snake_case
        here, unlike every other endpoint. n: 1–4; width/height multiples of 8."""
        body: dict[str, Any] = {"prompt": prompt, "n": n, "output_format": output_format}
        if width and height:
            body.update(width=width, height=height)
        elif aspect_ratio:
            body["aspect_ratio"] = aspect_ratio
        return self.submit("flux_imagine", body, **base)

    def flux_upscale(self, *, image: str, scale: int, **base: Any) -> SubmitResult:
        """Upscale any image URL ×2–×4 (POST /flux/upscale, https://platform.imaginepro.ai/ai-agent-skill): 2 credits."""
        return self.submit("flux_upscale", {"image": image, "scale": int(scale)}, **base)

    def remove_bg(self, *, image: str, **base: Any) -> SubmitResult:
        """Remove the background of an image URL (POST /tools/remove-bg, https://platform.imaginepro.ai/ai-agent-skill): 5 credits;
        the result is a PNG with transparency."""
        return self.submit("remove_bg", {"image": image}, **base)

    def describe(self, *, url: str, **base: Any) -> SubmitResult:
        """Image → four prompts (POST /nova/describe, D:215987078). The prompts arrive in the
        finished message's `prompt` (docs/provider-contract.md §3.5)."""
        return self.submit("describe", {"url": url}, **base)

    def faceswap(self, *, source: str, target: str, **base: Any) -> SubmitResult:
        """Put the face of `source` into the picture `target` (POST /nova/faceswap,
        D:215989116; field names from §3.6)."""
        return self.submit("faceswap", {"source": source, "target": target}, **base)

    def blend(self, *, urls: list[str], **base: Any) -> SubmitResult:
        """Blend 2–5 image URLs into a grid (POST /nova/blend, OLD:/blend; §3.7)."""
        return self.submit("blend", {"urls": list(urls)}, **base)

    def universal_imagine(
        self, *, contents: list[dict[str, str]], model: str = "", **base: Any
    ) -> SubmitResult:
        """Nano Banana (POST /universal/imagine, https://platform.imaginepro.ai/ai-agent-skill; §3.15): `contents` = text item first
        ("Image creation: …"), then `{"type": "image", "url": …}` items."""
        body: dict[str, Any] = {"contents": contents}
        if model:
            body["model"] = model
        return self.submit("universal_imagine", body, **base)

    def zimage(
        self, *, prompt: str, width: int, height: int, steps: int = 4, **base: Any
    ) -> SubmitResult:
        """Lumi Girl (POST /universal/zimage, https://platform.imaginepro.ai/ai-agent-skill; §3.16): sides ≤ 1024, multiples of 8."""
        body = {"prompt": prompt, "steps": steps, "width": width, "height": height}
        return self.submit("zimage", body, **base)

    def video_generate(
        self, *, start_frame_url: str, end_frame_url: str, prompt: str = "", **base: Any
    ) -> SubmitResult:
        """Midjourney video from two frames (POST /video/mj/generate, https://platform.imaginepro.ai/ai-agent-skill; §3.17)."""
        body = {"startFrameUrl": start_frame_url, "endFrameUrl": end_frame_url}
        if prompt:
            body["prompt"] = prompt
        return self.submit("video_generate", body, **base)

    def video_extend(
        self, *, message_id: str, index: int = 0, animate_mode: str = "", **base: Any
    ) -> SubmitResult:
        """Extend result `index` (0-based) of a finished video (POST /video/mj/extend; §3.17)."""
        body: dict[str, Any] = {"messageId": message_id, "index": int(index)}
        if animate_mode:
            body["animateMode"] = animate_mode
        return self.submit("video_extend", body, **base)
