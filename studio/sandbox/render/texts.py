"""Text the sandbox writes: enriched prompts (tools/prompt-extend) and image descriptions
(nova/describe). Deterministic: the same input always gives the same words.

docs/provider-contract.md §3.14: prompt-extend answers a longer, more detailed prompt. §3.5: describe
returns prompts for an image; where they appear in the Message is unknown, so the sandbox
puts four numbered prompts in `prompt`, in Midjourney's describe style ("1️⃣ … \\n\\n2️⃣ …").
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import re
from fractions import Fraction

from PIL import Image, ImageStat

_FLAGS = re.compile(r"\s--[a-z].*$", re.IGNORECASE | re.DOTALL)

_MOODS = ("serene", "dramatic", "whimsical", "nostalgic", "mysterious", "joyful", "epic")
_LIGHT = (
    "soft golden-hour light",
    "diffused overcast light",
    "crisp morning light",
    "warm rim lighting",
    "moody low-key lighting",
    "gentle studio lighting",
)
_DETAIL = (
    "intricate textures and fine details",
    "rich layered depth with a clear focal point",
    "delicate atmospheric haze in the background",
    "carefully balanced composition following the rule of thirds",
    "subtle reflections and natural shadows",
)
_STYLE = (
    "shot on a full-frame camera with a 50mm lens",
    "in the style of a classic oil painting",
    "cinematic colour grading, 8k resolution",
    "editorial photography, high dynamic range",
    "digital illustration with painterly brushwork",
)
_PALETTE = ("harmonious", "muted pastel", "vibrant complementary", "earthy", "cool-toned")


def _pick(options: tuple[str, ...], digest: bytes, slot: int) -> str:
    return options[digest[slot] % len(options)]


def extend_prompt(prompt: str) -> str:
    """A longer, deterministic version of `prompt` (non-empty): the text, then mood,
    lighting, palette, detail and style phrases chosen from its hash, then any `--flags`
    the prompt ended with. Never equal to `prompt`."""
    prompt = prompt.strip()
    flags = ""
    match = _FLAGS.search(prompt)
    if match:
        prompt, flags = prompt[: match.start()].rstrip(), match.group(0).strip()
    text = prompt.rstrip(" ,.;")
    digest = hashlib.sha256(text.lower().encode()).digest()
    extended = (
        f"{text}, {_pick(_MOODS, digest, 0)} atmosphere, {_pick(_LIGHT, digest, 1)}, "
        f"{_pick(_PALETTE, digest, 2)} colour palette, {_pick(_DETAIL, digest, 3)}, "
        f"{_pick(_STYLE, digest, 4)}"
    )
    return f"{extended} {flags}".strip()


# Named colours for describing pictures (sRGB).
_COLOUR_NAMES = {
    "black": (15, 15, 15),
    "charcoal grey": (64, 64, 70),
    "grey": (128, 128, 128),
    "silver": (192, 192, 196),
    "white": (245, 245, 245),
    "crimson": (200, 20, 40),
    "red": (230, 40, 30),
    "orange": (245, 140, 20),
    "golden yellow": (240, 200, 40),
    "olive": (120, 120, 40),
    "green": (40, 170, 60),
    "teal": (20, 140, 140),
    "turquoise": (60, 210, 200),
    "sky blue": (110, 180, 240),
    "blue": (30, 70, 220),
    "navy": (20, 30, 90),
    "purple": (120, 50, 170),
    "magenta": (220, 40, 170),
    "pink": (245, 160, 190),
    "brown": (120, 75, 40),
    "beige": (225, 205, 170),
}

_COMMON_RATIOS = [(1, 1), (4, 3), (3, 4), (3, 2), (2, 3), (16, 9), (9, 16), (21, 9), (2, 1)]
_KEYCAPS = ("1\ufe0f\u20e3", "2\ufe0f\u20e3", "3\ufe0f\u20e3", "4\ufe0f\u20e3")  # 1️⃣ … 4️⃣


def colour_name(rgb: tuple[int, int, int]) -> str:
    """The nearest name in a small table of colour names (Euclidean distance in sRGB)."""
    return min(_COLOUR_NAMES, key=lambda name: math.dist(_COLOUR_NAMES[name], rgb))


def dominant_colours(image: Image.Image, count: int = 3) -> list[tuple[int, int, int]]:
    """Up to `count` main colours of `image`, most frequent first (median-cut palette)."""
    small = image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
    quantized = small.quantize(colors=max(count, 4))
    palette = quantized.getpalette() or []
    ranked = sorted(quantized.getcolors() or [], reverse=True)
    return [tuple(palette[index * 3 : index * 3 + 3]) for _, index in ranked[:count]]


def aspect_label(width: int, height: int) -> str:
    """The common aspect ratio nearest to width:height, e.g. "16:9"."""
    actual = math.log(width / height)
    w, h = min(_COMMON_RATIOS, key=lambda r: abs(math.log(r[0] / r[1]) - actual))
    ratio = Fraction(w, h)
    return f"{ratio.numerator}:{ratio.denominator}"


def describe_image(image: Image.Image) -> str:
    """Four numbered prompts for `image`, built from its size, main colours, brightness and
    saturation: "1️⃣ … --ar W:H\\n\\n2️⃣ …\\n\\n3️⃣ …\\n\\n4️⃣ …"."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    names = []
    for colour in dominant_colours(rgb, 4):
        name = colour_name(colour)
        if name not in names:
            names.append(name)
    while len(names) < 3:
        names.append(("white", "grey", "black")[len(names)])
    first, second, third = names[:3]
    brightness = ImageStat.Stat(rgb.convert("L")).mean[0]
    red, green, blue = (v / 255 for v in ImageStat.Stat(rgb).mean)
    saturation = colorsys.rgb_to_hsv(red, green, blue)[1]
    light = "bright, airy" if brightness > 170 else "dark, moody" if brightness < 85 else "soft"
    tone = "vivid" if saturation > 0.35 else "muted"
    if width > height * 1.15:
        frame = "a wide landscape composition"
    elif height > width * 1.15:
        frame = "a tall portrait composition"
    else:
        frame = "a centred square composition"
    digest = hashlib.sha256(rgb.resize((16, 16)).tobytes()).digest()
    ar = f"--ar {aspect_label(width, height)}"
    prompts = [
        f"{frame} in {tone} {first} and {second} tones, {light} lighting, "
        f"{_pick(_DETAIL, digest, 0)} {ar}",
        f"minimalist graphic artwork with flat fields of {first}, {second} and {third}, "
        f"clean geometric shapes, {_pick(_STYLE, digest, 1)} {ar}",
        f"an abstract {_pick(_MOODS, digest, 2)} painting dominated by {first}, "
        f"with {third} accents and {light} gradients {ar}",
        f"a {width}×{height} photograph, {_pick(_LIGHT, digest, 3)}, {first} colour palette, "
        f"shallow depth of field, {tone} colour grading {ar}",
    ]
    return "\n\n".join(f"{key} {text}" for key, text in zip(_KEYCAPS, prompts, strict=True))
