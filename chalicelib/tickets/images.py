"""Turn an untrusted uploaded photo into safe JPEG renditions.

Pure: bytes in, bytes out. The real type is sniffed from magic bytes, oversized
images are refused from their header before decoding, the EXIF orientation is
applied and no metadata (EXIF, GPS, XMP, ICC, comments) survives re-encoding.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import ExifTags, Image

ACCEPTED_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PIXELS = 40_000_000
DISPLAY_EDGE = 2048
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
# Box-reduce first while at least this many times the target remains (Pillow's thumbnail default).
_REDUCING_GAP = 2.0

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_TYPE_ALIASES = {"image/jpg": "image/jpeg"}
_CONVERTIBLE_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"})
_WHITE = (255, 255, 255)
# As ImageOps.exif_transpose, applied after resizing: rotating the full-size image costs more.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
)


class ImageRejectedError(Exception):
    """The upload cannot be turned into a photo; `reason` is a short machine code."""

    reason = "rejected"


class UnsupportedImageTypeError(ImageRejectedError):
    reason = "unsupported_type"


class MislabelledImageError(ImageRejectedError):
    reason = "mislabelled"


class ImageTooLargeError(ImageRejectedError):
    reason = "too_many_pixels"


class CorruptImageError(ImageRejectedError):
    reason = "corrupt"


class AnimatedImageError(ImageRejectedError):
    reason = "animated"


class UnsupportedPixelFormatError(ImageRejectedError):
    reason = "unsupported_pixel_format"


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class ProcessedImage:
    source_type: str
    display: Rendition
    thumbnail: Rendition


def sniff_type(data: bytes) -> str | None:
    """Return the accepted MIME type of `data`, judged by its magic bytes only."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def process_image(data: bytes, declared_type: str | None = None) -> ProcessedImage:
    """Validate an uploaded photo and re-encode it as a display JPEG and a thumbnail.

    `declared_type` is the client's Content-Type, if any (None or "" means none);
    parameters and case are ignored and "image/jpg" means "image/jpeg".

    Raises (all subclasses of ImageRejectedError, each with a `.reason` code):
        UnsupportedImageTypeError: the bytes are not JPEG, PNG or WebP.
        MislabelledImageError: `declared_type` disagrees with the sniffed type.
        ImageTooLargeError: more than MAX_PIXELS pixels, refused from the header.
        AnimatedImageError: an animated PNG or WebP (more than one frame).
        UnsupportedPixelFormatError: 16-bit, 32-bit integer or float pixels.
        CorruptImageError: the image is truncated or cannot be decoded.
    """
    source_type = sniff_type(data)
    if source_type is None:
        raise UnsupportedImageTypeError("Only JPEG, PNG and WebP photos are accepted.")
    _check_declared_type(declared_type, source_type)

    with warnings.catch_warnings():
        # Pillow warns about damaged EXIF; all metadata is discarded anyway.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _open(data, source_type) as im:
            _check_frames(im, source_type)
            _check_mode(im)
            decoded, transpose = _decode(im, source_type)
            display = _fit(decoded, DISPLAY_EDGE)
            if transpose is not None:
                display = display.transpose(transpose)
            thumbnail = _fit(display, THUMBNAIL_EDGE)
            return ProcessedImage(
                source_type=source_type,
                display=_encode(display),
                thumbnail=_encode(thumbnail),
            )


def _check_declared_type(declared_type: str | None, source_type: str) -> None:
    if not declared_type or not declared_type.strip():
        return
    declared = declared_type.split(";", 1)[0].strip().lower()
    if _TYPE_ALIASES.get(declared, declared) != source_type:
        raise MislabelledImageError(
            f"The file was declared as {declared} but is actually {source_type}."
        )


def _open(data: bytes, source_type: str) -> Image.Image:
    try:
        im = Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[source_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _too_large() from err
    except _DECODE_ERRORS as err:
        raise CorruptImageError("The image is damaged and cannot be read.") from err
    width, height = im.size
    if width * height > MAX_PIXELS:
        im.close()
        raise _too_large()
    return im


def _too_large() -> ImageTooLargeError:
    return ImageTooLargeError(f"The image has more than {MAX_PIXELS // 1_000_000} megapixels.")


def _check_frames(im: Image.Image, source_type: str) -> None:
    # A multi-picture JPEG (MPO: preview, depth or gain map) is a still photo.
    if source_type == "image/jpeg":
        return
    if getattr(im, "n_frames", 1) > 1 or getattr(im, "is_animated", False):
        raise AnimatedImageError("Animated images are not accepted; upload a still photo.")


def _check_mode(im: Image.Image) -> None:
    if im.mode not in _CONVERTIBLE_MODES:
        raise UnsupportedPixelFormatError(
            f"Images with {im.mode} pixels (16-bit, 32-bit or floating point) are not accepted."
        )


def _decode(im: Image.Image, source_type: str) -> tuple[Image.Image, Image.Transpose | None]:
    """Decode fully and flatten onto white as RGB, still as stored; also return the transpose
    that makes it upright. A JPEG is decoded at the smallest DCT scale covering DISPLAY_EDGE."""
    if source_type == "image/jpeg":
        im.draft("RGB", _fitted_size(im.size, DISPLAY_EDGE))
    try:
        im.load()
        orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
        return _flatten(im), _UPRIGHT.get(orientation)
    except _DECODE_ERRORS as err:
        raise CorruptImageError("The image is damaged or truncated and cannot be read.") from err


def _flatten(im: Image.Image) -> Image.Image:
    if im.has_transparency_data:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode != "RGB":
        return im.convert("RGB")
    return im


def _fitted_size(size: tuple[int, int], edge: int) -> tuple[int, int]:
    width, height = size
    scale = edge / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit(im: Image.Image, edge: int) -> Image.Image:
    size = _fitted_size(im.size, edge)
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)


def _encode(im: Image.Image) -> Rendition:
    # Pixels only: Pillow's writers fall back on im.info for some metadata (a JPEG comment).
    clean = im.copy()
    clean.info = {}
    buffer = BytesIO()
    clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buffer.getvalue()
    return Rendition(
        data=data,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )
