"""Parse, validate and compose Midjourney prompts.

A raw prompt looks like ``[image URLs] text [--flag value ...]``. ``parse_prompt`` splits it,
``compose_prompt`` rebuilds the exact string sent to the API, merging form-field overrides so
every flag appears once. Errors are ``ValidationError`` whose ``.messages`` list every problem.

Rules:
- A flag is a whitespace-separated token starting with ``--`` (or an em/en dash, which phone
  keyboards and macOS autocorrect produce) followed by a letter; ``state-of-the-art`` and a
  bare ``--`` are text. Flag names are case-insensitive; aliases map to one canonical name.
- Flags go after the text. A value-taking flag consumes one token, except ``--no`` (words up to
  the next flag, as Midjourney reads it), ``--sref``/``--cref``/``--p`` (several URLs/codes).
  Any other token after the first flag is an error.
- The same flag typed twice with different values is an error (``--no`` lists are merged).
- ``--fast``/``--relax``/``--turbo`` are exclusive, and so are ``--v``/``--niji``.
- Version compatibility (e.g. ``--cref`` only on V6) is left to the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class FlagSpec:
    """One known flag. ``kind``: none | int | number | choice | ratio | words | url | refs | codes.

    ``lo``/``hi`` bound int/number kinds; ``choices`` lists canonical choice spellings;
    ``optional`` means the value may be left out (``--niji``, ``--p``).
    """

    name: str
    label: str
    kind: str
    aliases: tuple[str, ...] = ()
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()
    optional: bool = False
    example: str = ""


# The single table of known flags, in the order compose_prompt writes them (speed last).
FLAGS: tuple[FlagSpec, ...] = (
    FlagSpec("ar", "Aspect ratio", "ratio", ("aspect",), example="16:9"),
    FlagSpec("v", "Version", "choice", ("version",), choices=("5", "5.1", "5.2", "6", "6.1", "7")),
    FlagSpec("niji", "Niji version", "choice", choices=("5", "6"), optional=True),
    FlagSpec(
        "style", "Style", "choice", choices=("raw", "cute", "expressive", "original", "scenic")
    ),
    FlagSpec("s", "Stylize", "int", ("stylize",), 0, 1000),
    FlagSpec("chaos", "Chaos", "int", ("c",), 0, 100),
    FlagSpec("weird", "Weird", "int", ("w",), 0, 3000),
    FlagSpec("exp", "Experimental aesthetics", "int", (), 0, 100),
    FlagSpec("q", "Quality", "choice", ("quality",), choices=(".25", ".5", "1", "2", "4")),
    FlagSpec("seed", "Seed", "int", (), 0, 4294967295),
    FlagSpec("stop", "Stop", "int", (), 10, 100),
    FlagSpec("no", "Avoid", "words", example="text, watermark"),
    FlagSpec("tile", "Tile", "none"),
    FlagSpec("iw", "Image weight", "number", (), 0, 3),
    FlagSpec("sref", "Style reference", "refs", example="https://example.com/style.png"),
    FlagSpec("sw", "Style weight", "int", (), 0, 1000),
    FlagSpec("sv", "Style reference version", "choice", choices=("1", "2", "3", "4", "5", "6")),
    FlagSpec("cref", "Character reference", "refs", example="https://example.com/face.png"),
    FlagSpec("cw", "Character weight", "int", (), 0, 100),
    FlagSpec("oref", "Omni reference", "url", example="https://example.com/object.png"),
    FlagSpec("ow", "Omni weight", "int", (), 1, 1000),
    FlagSpec("p", "Personalize", "codes", ("personalize",), optional=True),
    FlagSpec("repeat", "Repeat", "int", ("r",), 1, 40),
    FlagSpec("draft", "Draft mode", "none"),
    FlagSpec("fast", "Fast", "none"),
    FlagSpec("relax", "Relax", "none"),
    FlagSpec("turbo", "Turbo", "none"),
)
FLAGS_BY_NAME: dict[str, FlagSpec] = {spec.name: spec for spec in FLAGS}
SPEED_FLAGS: tuple[str, ...] = ("fast", "relax", "turbo")
EXCLUSIVE_GROUPS: tuple[tuple[str, ...], ...] = (SPEED_FLAGS, ("v", "niji"))
_ALIASES = {alias: spec.name for spec in FLAGS for alias in (spec.name, *spec.aliases)}
_IMPLIED = {"raw": ("style", "raw")}  # V7 shorthand: --raw means --style raw
_ORDER = {spec.name: i for i, spec in enumerate(FLAGS)}

_FLAG_RE = re.compile(r"(?:--|[\u2014\u2013])([A-Za-z]\S*)")
_IMAGE_URL_RE = re.compile(r"https?://\S+\.(?:png|jpe?g|gif|webp)(?:[?#]\S*)?", re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_URL_RE = re.compile(r"https?://\S+")
_REF_RE = re.compile(r"(?:https?://\S+?|[A-Za-z0-9_-]+)(?:::-?\d+(?:\.\d+)?)?")
_CODE_RE = re.compile(r"[A-Za-z0-9_-]+")

Override = str | int | float | bool | None


@dataclass(frozen=True)
class ParsedPrompt:
    """A prompt split into leading image URLs, collapsed text and canonical flags.

    ``flags`` maps canonical names without dashes (``"ar"``, ``"chaos"``) to normalised values,
    ``None`` for valueless flags (``"tile"``); it keeps the order the flags were typed.
    """

    image_urls: tuple[str, ...]
    text: str
    flags: dict[str, str | None]


def _lookup(name: str) -> tuple[FlagSpec, str | None]:
    """Canonical spec for a name or alias (dashes optional), plus the value an alias implies."""
    key = re.sub(r"^(?:--|[\u2014\u2013])", "", name).lower()
    if key in _IMPLIED:
        canonical, implied = _IMPLIED[key]
        return FLAGS_BY_NAME[canonical], implied
    if key not in _ALIASES:
        raise ValidationError(f'Unknown flag "--{key}".')
    return FLAGS_BY_NAME[_ALIASES[key]], None


def _one_of(choices: tuple[str, ...]) -> str:
    return f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]


def _check(spec: FlagSpec, label: str, value: str | None) -> str | None:
    """Normalise ``value`` for ``spec``; ``label`` is the flag as the user wrote it."""
    value = " ".join(value.split()) if value else None
    if value is None:
        if spec.kind == "none" or spec.optional:
            return None
        if spec.kind in ("int", "number"):
            raise ValidationError(f"{label} needs a number from {spec.lo} to {spec.hi}.")
        if spec.kind == "choice":
            raise ValidationError(f"{label} needs a value: {_one_of(spec.choices)}.")
        raise ValidationError(f'{label} needs a value, e.g. "--{spec.name} {spec.example}".')
    if spec.kind == "none":
        raise ValidationError(f'{label} takes no value, not "{value}".')
    if spec.kind == "int":
        if value.isascii() and value.isdigit() and spec.lo <= int(value) <= spec.hi:
            return str(int(value))
        raise ValidationError(
            f'{label} must be a whole number from {spec.lo} to {spec.hi}, not "{value}".'
        )
    if spec.kind == "number":
        if _NUMBER_RE.fullmatch(value) and spec.lo <= Decimal(value) <= spec.hi:
            return format(Decimal(value).normalize(), "f")
        raise ValidationError(
            f'{label} must be a number from {spec.lo} to {spec.hi}, not "{value}".'
        )
    if spec.kind == "choice":
        numeric = _NUMBER_RE.fullmatch(value)
        for choice in spec.choices:  # "0.25" == ".25", "6.0" == "6"
            if value.lower() == choice or (
                numeric and _NUMBER_RE.fullmatch(choice) and Decimal(value) == Decimal(choice)
            ):
                return choice
        raise ValidationError(f'{label} must be {_one_of(spec.choices)}, not "{value}".')
    if spec.kind == "ratio":
        match = re.fullmatch(r"(\d+):(\d+)", value)
        if match and int(match[1]) > 0 and int(match[2]) > 0:
            return f"{int(match[1])}:{int(match[2])}"
        raise ValidationError(f'{label} must be two whole numbers like 16:9, not "{value}".')
    if spec.kind == "words":
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise ValidationError(
                f'{label} needs the things to avoid, e.g. "--no text, watermark".'
            )
        return ", ".join(parts)
    if spec.kind == "url":
        if _URL_RE.fullmatch(value):
            return value
        raise ValidationError(f'{label} takes one image URL, not "{value}".')
    pattern, what = (_REF_RE, "image URLs or codes") if spec.kind == "refs" else (_CODE_RE, "codes")
    for token in value.split():
        if not pattern.fullmatch(token):
            raise ValidationError(f'{label} takes {what}, not "{token}".')
    return value


def validate_flag(name: str, value: str | None) -> str | None:
    """Validate one flag value and return it normalised (``None`` for valueless flags).

    ``name`` is a canonical name or alias, dashes optional (``"c"``, ``"--chaos"``). For the
    ``raw`` shorthand the result is the implied ``--style`` value ``"raw"``.
    Raises ``ValidationError`` for unknown flags or bad values.
    """
    spec, implied = _lookup(name)
    label = "--" + re.sub(r"^(?:--|[\u2014\u2013])", "", name).lower()
    if implied is not None:
        if value not in (None, "", implied):
            raise ValidationError(f'{label} takes no value, not "{value}".')
        return implied
    return _check(spec, label, value)


def _scan(tokens: list[str], errors: list[str]) -> dict[str, str | None]:
    """Read a run of flags; every token must belong to a flag."""
    flags: dict[str, str | None] = {}
    i = 0
    while i < len(tokens):
        j = i + 1
        while j < len(tokens) and not _FLAG_RE.fullmatch(tokens[j]):
            j += 1
        typed, values = tokens[i], tokens[i + 1 : j]
        i = j
        try:
            spec, implied = _lookup(typed)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue  # its values belong to the unknown flag; don't report them too
        many = spec.kind in ("words", "refs", "codes")
        take = len(values) if many else 0 if spec.kind == "none" or implied else 1
        label = "--" + _FLAG_RE.fullmatch(typed)[1].lower()
        if values[take:]:
            stray = " ".join(values[take:])
            errors.append(
                f'"{stray}" after {label} is not part of any flag; put prompt text before the flags.'
            )
        try:
            value = implied or _check(spec, label, " ".join(values[:take]) or None)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        old = flags.get(spec.name, value)
        if spec.name in flags and old != value:
            if spec.kind != "words":
                shown = [" ".join(filter(None, (f"--{spec.name}", v))) for v in (old, value)]
                errors.append(f'Flag given twice: "{shown[0]}" and "{shown[1]}"; keep one.')
                continue
            value = ", ".join(dict.fromkeys(f"{old}, {value}".split(", ")))
        flags[spec.name] = value
    for group in EXCLUSIVE_GROUPS:
        present = [f"--{name}" for name in group if name in flags]
        if len(present) > 1:
            errors.append(f"Use only one of {', '.join(present)}.")
    return flags


def parse_prompt(raw: str) -> ParsedPrompt:
    """Split ``raw`` into leading image URLs, text and validated canonical flags.

    Example: ``"https://a.png  a cat —ar 16:9 --c 5"`` ->
    ``ParsedPrompt(("https://a.png",), "a cat", {"ar": "16:9", "chaos": "5"})``.
    Raises ``ValidationError`` listing every problem; empty text is "Write a prompt.".
    """
    tokens = raw.split()
    start = 0
    while start < len(tokens) and _IMAGE_URL_RE.fullmatch(tokens[start]):
        start += 1
    end = start
    while end < len(tokens) and not _FLAG_RE.fullmatch(tokens[end]):
        end += 1
    errors: list[str] = []
    text = " ".join(tokens[start:end])
    if not text:
        errors.append("Write a prompt.")
    flags = _scan(tokens[end:], errors)
    if errors:
        raise ValidationError(errors)
    return ParsedPrompt(tuple(tokens[:start]), text, flags)


def parse_flags(raw: str) -> dict[str, str | None]:
    """Parse the power-user flags field (``"--ar 2:3 --tile"``) into canonical flags.

    Text before the first flag is an error, as is anything ``parse_prompt`` would reject.
    """
    tokens = raw.split()
    errors: list[str] = []
    first = next((i for i, tok in enumerate(tokens) if _FLAG_RE.fullmatch(tok)), len(tokens))
    if first:
        errors.append(
            f'Only flags go here (like "--ar 16:9"); move "{" ".join(tokens[:first])}" '
            "into the prompt."
        )
    flags = _scan(tokens[first:], errors)
    if errors:
        raise ValidationError(errors)
    return flags


def compose_prompt(parsed: ParsedPrompt, overrides: Mapping[str, Override] | None = None) -> str:
    """Build the exact prompt for the API: image URLs, text, then each flag once.

    ``overrides`` come from the form's explicit fields and WIN over typed flags (including
    ``--no``, which is replaced, not merged). Keys are canonical names or aliases; values:
    ``None``/blank str = field left blank, keep whatever was typed; ``True`` = valueless flag on;
    ``False`` = remove the flag; a str/int/float = that value (validated and normalised).
    Setting one flag of an exclusive group (speed, ``--v``/``--niji``) drops the others.
    Flags are written in ``FLAGS`` order, speed last, e.g.
    ``"a fox --ar 16:9 --chaos 20 --no text, watermark --relax"``.
    Raises ``ValidationError`` for bad overrides or two exclusive flags both set in overrides.
    """
    errors: list[str] = []
    flags: dict[str, str | None] = {}
    for name, value in parsed.flags.items():
        try:
            flags[_lookup(name)[0].name] = validate_flag(name, value)
        except ValidationError as exc:
            errors.extend(exc.messages)
    chosen: set[str] = set()
    for name, value in (overrides or {}).items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # blank form field: the typed value stands
        try:
            spec, implied = _lookup(name)
            if value is False:
                if implied is None or flags.get(spec.name) == implied:
                    flags.pop(spec.name, None)
                continue
            flags[spec.name] = validate_flag(name, None if value is True else str(value))
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        for group in EXCLUSIVE_GROUPS:
            if spec.name in group:
                if chosen & set(group) - {spec.name}:
                    errors.append(f"Use only one of {', '.join('--' + n for n in group)}.")
                chosen.add(spec.name)
                for other in set(group) - {spec.name}:
                    flags.pop(other, None)
    if errors:
        raise ValidationError(errors)
    parts = [*parsed.image_urls, parsed.text]
    for name in sorted(flags, key=_ORDER.__getitem__):
        parts.append(f"--{name}" if flags[name] is None else f"--{name} {flags[name]}")
    return " ".join(part for part in parts if part)


def speed_of(flags: Mapping[str, object]) -> str:
    """The speed mode a flag dict asks for: "fast", "relax" or "turbo" (default "fast")."""
    return next((s for s in SPEED_FLAGS if s in flags and flags[s] is not False), "fast")
