"""Offer pictures: refused past size and pixel limits, re-encoded with Pillow, with a thumbnail.

An upload is never stored as sent. Pillow reads only the header to check the pixel
count before decoding, then the picture is turned upright (EXIF orientation), scaled
down and saved anew as JPEG: the metadata (camera, place, time) and anything hidden
in the original file are dropped. The catalogue shows the small thumbnail.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kaiku.web.errors import CodedError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # a 6000 x 4000 camera picture; a decompression bomb has far more
FORMATS = {"JPEG", "PNG", "WEBP"}
FULL_SIZE = 1600  # the longest side of the stored picture
THUMBNAIL_SIZE = 480


class ImageError(CodedError):
    MESSAGES: dict[str, Any] = {
        "too_large": _("The picture is larger than 5 MB. Save it smaller and try again."),
        "too_many_pixels": _("The picture has more than 25 million pixels. Save it smaller and try again."),
        "not_an_image": _("This file is not a picture. Upload a JPEG, PNG or WebP file."),
    }


@dataclass
class Prepared:
    picture: ContentFile[bytes]
    thumbnail: ContentFile[bytes]


def prepare(upload: IO[bytes], size: int | None = None) -> Prepared:
    """The picture and its thumbnail, re-encoded; raises ``ImageError``."""
    if size is not None and size > MAX_BYTES:
        raise ImageError("too_large")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageError("too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            if image.format not in FORMATS:
                raise ImageError("not_an_image")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageError("too_many_pixels")
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = _flatten(upright)
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError("not_an_image") from exc
    stem = uuid.uuid4().hex
    return Prepared(
        picture=ContentFile(_jpeg(rgb, FULL_SIZE, 85), name=f"{stem}.jpg"),
        thumbnail=ContentFile(_jpeg(rgb, THUMBNAIL_SIZE, 80), name=f"{stem}.jpg"),
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, longest: int, quality: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : no metadata
    return out.getvalue()
