import hashlib
import random
import struct
import warnings
import zlib
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageOps
from PIL.PngImagePlugin import PngInfo

from chalicelib.tickets.images import (
    ACCEPTED_TYPES,
    DISPLAY_EDGE,
    MAX_PIXELS,
    THUMBNAIL_EDGE,
    AnimatedImageError,
    CorruptImageError,
    ImageRejectedError,
    ImageTooLargeError,
    MislabelledImageError,
    ProcessedImage,
    Rendition,
    UnsupportedImageTypeError,
    UnsupportedPixelFormatError,
    process_image,
    sniff_type,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)
ORIENTATION = 0x0112
GPS_IFD = 0x8825
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def noisy(size: tuple[int, int], seed: int = 0) -> Image.Image:
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def two_colour(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue."""
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0132] = "2024:05:01 10:00:00"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (24.0, 30.0, 36.0)
    gps[3] = "E"
    gps[4] = (117.0, 39.0, 0.0)
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_with_size(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_with_size(width: int, height: int) -> bytes:
    """A valid 8x8 JPEG whose SOF0 header is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def reopen(rendition: Rendition) -> Image.Image:
    im = Image.open(BytesIO(rendition.data))
    im.load()
    return im


def assert_clean_jpeg(rendition: Rendition) -> None:
    im = reopen(rendition)
    assert im.format == "JPEG"
    assert im.mode == "RGB"
    assert im.size == (rendition.width, rendition.height)
    assert rendition.content_type == "image/jpeg"
    assert rendition.sha256 == hashlib.sha256(rendition.data).hexdigest()
    assert len(im.getexif()) == 0
    for key in ("exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"):
        assert key not in im.info
    for marker in (b"Exif", b"ICC_PROFILE", b"http://ns.adobe.com", b"PhoneMaker"):
        assert marker not in rendition.data


def rgb_at(im: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = im.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tol: int = 6) -> None:
    assert all(abs(a - e) <= tol for a, e in zip(actual, expected, strict=True)), (
        actual,
        expected,
    )


# --- sniffing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_sniff_type_recognises_accepted_formats(fmt: str, expected: str) -> None:
    assert sniff_type(encode(Image.new("RGB", (4, 4)), fmt)) == expected


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "PDF", "ICO", "PPM"])
def test_sniff_type_rejects_other_image_formats(fmt: str) -> None:
    assert sniff_type(encode(Image.new("RGB", (4, 4)), fmt)) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, world",
        b"\xff\xd8",
        b"\x89PNG",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"RIFF\x00\x00\x00\x00WEB",
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_sniff_type_rejects_non_images(data: bytes) -> None:
    assert sniff_type(data) is None


def test_accepted_types() -> None:
    assert ACCEPTED_TYPES == frozenset({"image/jpeg", "image/png", "image/webp"})


# --- successful processing ----------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "source_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_accepted_formats_become_jpeg_renditions(fmt: str, source_type: str) -> None:
    result = process_image(encode(noisy((64, 48)), fmt), declared_type=source_type)

    assert isinstance(result, ProcessedImage)
    assert result.source_type == source_type
    for rendition in (result.display, result.thumbnail):
        assert_clean_jpeg(rendition)
        assert (rendition.width, rendition.height) == (64, 48)


def test_gps_and_all_metadata_are_stripped_from_jpeg() -> None:
    source = encode(
        Image.new("RGB", (400, 300), (10, 120, 200)),
        "JPEG",
        exif=gps_exif(),
        icc_profile=srgb_icc(),
        comment=b"PhoneMaker comment",
        xmp=XMP,
    )
    with Image.open(BytesIO(source)) as original:
        assert original.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert {"exif", "icc_profile", "comment", "xmp"} <= original.info.keys()

    result = process_image(source)

    assert_clean_jpeg(result.display)
    assert_clean_jpeg(result.thumbnail)


def test_metadata_is_stripped_from_png() -> None:
    text = PngInfo()
    text.add_text("Comment", "PhoneMaker")
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    source = encode(noisy((50, 40)), "PNG", exif=gps_exif(), icc_profile=srgb_icc(), pnginfo=text)

    result = process_image(source, "image/png")

    assert_clean_jpeg(result.display)
    assert_clean_jpeg(result.thumbnail)


def test_metadata_is_stripped_from_webp() -> None:
    source = encode(noisy((50, 40)), "WEBP", exif=gps_exif(), icc_profile=srgb_icc(), xmp=XMP)

    result = process_image(source, "image/webp")

    assert_clean_jpeg(result.display)
    assert_clean_jpeg(result.thumbnail)


def test_orientation_6_is_applied() -> None:
    source = encode(two_colour((40, 20)), "JPEG", exif=gps_exif(orientation=6))

    result = process_image(source, "image/jpeg")

    for rendition in (result.display, result.thumbnail):
        assert (rendition.width, rendition.height) == (20, 40)
        im = reopen(rendition)
        assert_close(rgb_at(im, (10, 5)), RED)
        assert_close(rgb_at(im, (10, 35)), BLUE)


@pytest.mark.parametrize(
    ("orientation", "red_corner"),
    [(1, "tl"), (2, "tr"), (3, "br"), (4, "bl"), (5, "tl"), (6, "tr"), (7, "br"), (8, "bl")],
)
def test_every_exif_orientation_is_applied(orientation: int, red_corner: str) -> None:
    im = Image.new("RGB", (40, 20), BLUE)
    im.paste(RED, (0, 0, 20, 10))
    source = encode(im, "JPEG", exif=gps_exif(orientation))

    out = reopen(process_image(source).display)

    w, h = out.size
    assert (w, h) == ((40, 20) if orientation <= 4 else (20, 40))
    corners = {
        "tl": (w // 4, h // 4),
        "tr": (3 * w // 4, h // 4),
        "bl": (w // 4, 3 * h // 4),
        "br": (3 * w // 4, 3 * h // 4),
    }
    for name, xy in corners.items():
        assert_close(rgb_at(out, xy), RED if name == red_corner else BLUE, tol=40)


def test_orientation_is_applied_after_jpeg_draft_downscale() -> None:
    source = encode(two_colour((4100, 2050)), "JPEG", exif=gps_exif(orientation=6))

    result = process_image(source)

    assert (result.display.width, result.display.height) == (1024, 2048)
    assert (result.thumbnail.width, result.thumbnail.height) == (160, 320)
    im = reopen(result.display)
    assert_close(rgb_at(im, (512, 100)), RED)
    assert_close(rgb_at(im, (512, 1950)), BLUE)


def drafted_size(source: bytes) -> tuple[int, int]:
    """The size Pillow decodes `source` at when drafted to fit DISPLAY_EDGE."""
    with Image.open(BytesIO(source)) as im:
        scale = DISPLAY_EDGE / max(im.size)
        im.draft("RGB", (round(im.width * scale), round(im.height * scale)))
        return im.size


@pytest.mark.parametrize(
    ("orientation", "red_corner"),
    [(1, "tl"), (2, "tr"), (3, "br"), (4, "bl"), (5, "tl"), (6, "tr"), (7, "br"), (8, "bl")],
)
def test_every_orientation_is_applied_to_a_drafted_jpeg(orientation: int, red_corner: str) -> None:
    im = Image.new("RGB", (4100, 2050), BLUE)
    im.paste(RED, (0, 0, 2050, 1025))
    source = encode(im, "JPEG", exif=gps_exif(orientation))
    assert drafted_size(source) == (2050, 1025)

    result = process_image(source, "image/jpeg")

    upright = orientation <= 4
    sizes = {"display": (2048, 1024), "thumbnail": (320, 160)}
    for name, rendition in (("display", result.display), ("thumbnail", result.thumbnail)):
        assert_clean_jpeg(rendition)
        w, h = sizes[name] if upright else sizes[name][::-1]
        assert (rendition.width, rendition.height) == (w, h)
        out = reopen(rendition)
        corners = {
            "tl": (w // 4, h // 4),
            "tr": (3 * w // 4, h // 4),
            "bl": (w // 4, 3 * h // 4),
            "br": (3 * w // 4, 3 * h // 4),
        }
        for corner, xy in corners.items():
            assert_close(rgb_at(out, xy), RED if corner == red_corner else BLUE, tol=40)


def test_xmp_orientation_is_applied_like_pillow() -> None:
    xmp = XMP.replace(b"<rdf:RDF ", b'<rdf:RDF tiff:Orientation="6" ')
    source = encode(two_colour((40, 20)), "JPEG", xmp=xmp)
    with Image.open(BytesIO(source)) as original:
        assert original.getexif()[ORIENTATION] == 6

    display = process_image(source).display

    assert (display.width, display.height) == (20, 40)
    assert_clean_jpeg(display)


def test_exif_orientation_in_png_and_webp_is_applied() -> None:
    for fmt in ("PNG", "WEBP"):
        source = encode(two_colour((40, 20)), fmt, exif=gps_exif(orientation=6))
        display = process_image(source).display
        assert (display.width, display.height) == (20, 40), fmt


@pytest.mark.parametrize(
    ("fmt", "size", "display_size", "thumbnail_size"),
    [
        ("JPEG", (5000, 1000), (2048, 410), (320, 64)),
        ("PNG", (1000, 5000), (410, 2048), (64, 320)),
        ("JPEG", (3000, 3000), (2048, 2048), (320, 320)),
        ("WEBP", (2048, 100), (2048, 100), (320, 16)),
        ("PNG", (4000, 1), (2048, 1), (320, 1)),
    ],
)
def test_long_edges_are_capped(
    fmt: str,
    size: tuple[int, int],
    display_size: tuple[int, int],
    thumbnail_size: tuple[int, int],
) -> None:
    result = process_image(encode(two_colour(size), fmt))

    assert (result.display.width, result.display.height) == display_size
    assert (result.thumbnail.width, result.thumbnail.height) == thumbnail_size
    assert reopen(result.display).size == display_size
    assert reopen(result.thumbnail).size == thumbnail_size


@pytest.mark.parametrize("size", [(100, 50), (1, 1), (320, 200), (7, 300)])
def test_small_images_are_not_upscaled(size: tuple[int, int]) -> None:
    result = process_image(encode(Image.new("RGB", size, "green"), "PNG"))

    assert (result.display.width, result.display.height) == size
    assert (result.thumbnail.width, result.thumbnail.height) == size


def test_png_alpha_is_composited_onto_white() -> None:
    im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    im.paste((255, 0, 0, 128), (20, 0, 40, 40))

    out = reopen(process_image(encode(im, "PNG"), "image/png").display)

    assert_close(rgb_at(out, (5, 20)), (255, 255, 255))
    assert_close(rgb_at(out, (35, 20)), (255, 127, 127))


@pytest.mark.parametrize("mode", ["LA", "P", "L", "RGB"])
def test_transparent_pixels_in_other_modes_become_white(mode: str) -> None:
    if mode == "LA":
        im = Image.new("LA", (16, 16), (0, 0))
    elif mode == "P":
        im = Image.new("P", (16, 16), 0)
        im.info["transparency"] = 0
    else:
        im = Image.new(mode, (16, 16), 0)
        im.info["transparency"] = 0 if mode == "L" else (0, 0, 0)
    source = encode(im, "PNG")
    with Image.open(BytesIO(source)) as check:
        assert check.has_transparency_data

    out = reopen(process_image(source).display)

    assert_close(rgb_at(out, (8, 8)), (255, 255, 255))


def test_webp_with_alpha_is_composited_onto_white() -> None:
    im = Image.new("RGBA", (32, 32), (0, 0, 255, 0))
    im.paste((0, 0, 255, 255), (0, 0, 16, 32))

    out = reopen(process_image(encode(im, "WEBP", lossless=True)).display)

    assert_close(rgb_at(out, (8, 16)), BLUE)
    assert_close(rgb_at(out, (24, 16)), (255, 255, 255))


def test_cmyk_and_greyscale_jpegs_become_rgb() -> None:
    cmyk = Image.new("CMYK", (30, 30), (0, 255, 255, 0))
    grey = Image.new("L", (30, 30), 128)

    out = reopen(process_image(encode(cmyk, "JPEG")).display)
    assert_close(rgb_at(out, (15, 15)), RED)
    out = reopen(process_image(encode(grey, "JPEG")).display)
    assert out.mode == "RGB"
    assert_close(rgb_at(out, (15, 15)), (128, 128, 128))


def test_multi_picture_jpeg_uses_primary_image() -> None:
    primary = Image.new("RGB", (60, 40), RED)
    secondary = Image.new("RGB", (60, 40), BLUE)
    source = encode(primary, "MPO", save_all=True, append_images=[secondary])
    assert sniff_type(source) == "image/jpeg"

    result = process_image(source, "image/jpeg")

    assert_close(rgb_at(reopen(result.display), (30, 20)), RED)
    assert b"MPF" not in result.display.data


# --- declared types -------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [None, "", "image/jpeg", "image/jpg", "IMAGE/JPEG", " image/jpeg ; charset=binary"],
)
def test_declared_type_matching_or_absent_is_accepted(declared: str | None) -> None:
    source = encode(Image.new("RGB", (8, 8)), "JPEG")
    assert process_image(source, declared).source_type == "image/jpeg"


@pytest.mark.parametrize(
    ("fmt", "declared"),
    [
        ("JPEG", "image/png"),
        ("PNG", "image/jpeg"),
        ("PNG", "image/jpg"),
        ("WEBP", "image/png"),
        ("JPEG", "image/gif"),
        ("JPEG", "application/octet-stream"),
        ("PNG", "text/plain; charset=utf-8"),
    ],
)
def test_mislabelled_upload_is_rejected(fmt: str, declared: str) -> None:
    source = encode(Image.new("RGB", (8, 8)), fmt)

    with pytest.raises(MislabelledImageError) as caught:
        process_image(source, declared)

    assert caught.value.reason == "mislabelled"
    assert declared.split(";")[0].strip() in str(caught.value)


# --- rejections -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "PDF"])
def test_other_image_formats_are_unsupported(fmt: str) -> None:
    source = encode(Image.new("RGB", (8, 8)), fmt)

    with pytest.raises(UnsupportedImageTypeError) as caught:
        process_image(source, "image/jpeg")

    assert caught.value.reason == "unsupported_type"
    assert "JPEG" in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"just some text\n", b"<html></html>"])
def test_non_images_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImageTypeError):
        process_image(data)


def test_truncated_jpeg_is_corrupt() -> None:
    source = encode(noisy((800, 600)), "JPEG", quality=90)

    with pytest.raises(CorruptImageError) as caught:
        process_image(source[: len(source) // 2], "image/jpeg")

    assert caught.value.reason == "corrupt"
    assert caught.value.__cause__ is not None


def test_truncated_jpeg_decoded_at_draft_scale_is_corrupt() -> None:
    source = encode(noisy((4100, 400)), "JPEG", quality=90)
    assert drafted_size(source) == (2050, 200)

    with pytest.raises(CorruptImageError) as caught:
        process_image(source[: len(source) // 2], "image/jpeg")

    assert caught.value.__cause__ is not None


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_truncated_png_and_webp_are_corrupt(fmt: str) -> None:
    source = encode(noisy((200, 150)), fmt)

    with pytest.raises(CorruptImageError):
        process_image(source[: len(source) // 2])


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff" + b"\x00" * 64,
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 10,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16,
    ],
)
def test_garbage_after_magic_bytes_is_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptImageError):
        process_image(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png_with_size(20_000, 20_000), id="png-400MP-pillow-error"),
        pytest.param(png_with_size(10_000, 10_000), id="png-100MP-pillow-warning"),
        pytest.param(png_with_size(8_000, 6_000), id="png-48MP-own-check"),
        pytest.param(png_with_size(MAX_PIXELS + 1, 1), id="png-one-pixel-over"),
        pytest.param(jpeg_with_size(65_000, 65_000), id="jpeg-4GP"),
        pytest.param(jpeg_with_size(8_000, 6_000), id="jpeg-48MP"),
    ],
)
def test_decompression_bombs_are_refused_before_decoding(data: bytes) -> None:
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS

    with pytest.raises(ImageTooLargeError) as caught:
        process_image(data)

    assert caught.value.reason == "too_many_pixels"
    assert "40 megapixels" in str(caught.value)
    assert warnings.filters == filters_before
    assert Image.MAX_IMAGE_PIXELS == limit_before


def test_bomb_header_is_what_pillow_sees() -> None:
    with Image.open(BytesIO(png_with_size(8_000, 6_000))) as im:
        assert im.size == (8_000, 6_000)
    with Image.open(BytesIO(jpeg_with_size(8_000, 6_000))) as im:
        assert im.size == (8_000, 6_000)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_rejected(fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in (RED, BLUE, "green")]
    source = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    with Image.open(BytesIO(source)) as check:
        assert getattr(check, "n_frames", 1) == 3

    with pytest.raises(AnimatedImageError) as caught:
        process_image(source)

    assert caught.value.reason == "animated"


def test_single_frame_saved_with_save_all_is_accepted() -> None:
    source = encode(Image.new("RGB", (16, 16), RED), "PNG", save_all=True)
    assert process_image(source).display.width == 16


def test_sixteen_bit_png_is_rejected() -> None:
    source = encode(Image.new("I;16", (16, 16), 40_000), "PNG")
    with Image.open(BytesIO(source)) as check:
        assert check.mode == "I;16"

    with pytest.raises(UnsupportedPixelFormatError) as caught:
        process_image(source, "image/png")

    assert caught.value.reason == "unsupported_pixel_format"
    assert "I;16" in str(caught.value)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (UnsupportedImageTypeError, "unsupported_type"),
        (MislabelledImageError, "mislabelled"),
        (ImageTooLargeError, "too_many_pixels"),
        (CorruptImageError, "corrupt"),
        (AnimatedImageError, "animated"),
        (UnsupportedPixelFormatError, "unsupported_pixel_format"),
    ],
)
def test_each_rejection_has_a_reason_code(error: type[ImageRejectedError], reason: str) -> None:
    assert issubclass(error, ImageRejectedError)
    assert error("message").reason == reason
    assert str(error("A clear message.")) == "A clear message."


# --- determinism and hashes -----------------------------------------------------


def test_processing_is_deterministic() -> None:
    source = encode(noisy((900, 700), seed=7), "JPEG", exif=gps_exif(orientation=6))

    first = process_image(source, "image/jpeg")
    second = process_image(source, "image/jpeg")

    assert first == second
    assert first.display.data == second.display.data
    assert first.thumbnail.data == second.thumbnail.data
    assert first.display.sha256 == hashlib.sha256(first.display.data).hexdigest()
    assert first.thumbnail.sha256 == hashlib.sha256(first.thumbnail.data).hexdigest()
    assert first.display.sha256 != first.thumbnail.sha256


def test_renditions_are_immutable() -> None:
    result = process_image(encode(Image.new("RGB", (8, 8)), "PNG"))
    with pytest.raises(AttributeError):
        result.display.width = 1  # type: ignore[misc]


# --- properties -----------------------------------------------------------------

MODES_BY_FORMAT = {
    "JPEG": ["L", "RGB", "CMYK"],
    "PNG": ["1", "L", "LA", "P", "RGB", "RGBA"],
    "WEBP": ["RGB", "RGBA"],
}


@st.composite
def small_images(draw: st.DrawFn) -> tuple[str, bytes, tuple[int, int]]:
    fmt = draw(st.sampled_from(sorted(MODES_BY_FORMAT)))
    mode = draw(st.sampled_from(MODES_BY_FORMAT[fmt]))
    size = (draw(st.integers(1, 700)), draw(st.integers(1, 700)))
    colour = tuple(draw(st.integers(0, 255)) for _ in range(3))
    im = Image.new("RGB", size, colour).convert(mode)
    if "A" in mode:
        im.putalpha(draw(st.integers(0, 255)))
    orientation = draw(st.integers(1, 8))
    exif = gps_exif(orientation)
    return fmt, encode(im, fmt, exif=exif), size


@settings(max_examples=30, deadline=None, database=None)
@given(small_images())
def test_any_small_image_gives_capped_clean_renditions(
    case: tuple[str, bytes, tuple[int, int]],
) -> None:
    fmt, source, (width, height) = case

    result = process_image(source, f"image/{fmt.lower()}")

    long_edge = max(width, height)
    display, thumbnail = result.display, result.thumbnail
    assert max(display.width, display.height) == min(long_edge, DISPLAY_EDGE)
    assert max(thumbnail.width, thumbnail.height) == min(long_edge, THUMBNAIL_EDGE)
    assert {display.width, display.height} == {width, height}
    scale = max(thumbnail.width, thumbnail.height) / max(display.width, display.height)
    assert abs(thumbnail.width - display.width * scale) <= 1
    assert abs(thumbnail.height - display.height * scale) <= 1
    assert_clean_jpeg(display)
    assert_clean_jpeg(thumbnail)


MAGICS = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x01\x00\x00WEBP"]


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(MAGICS), st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_rejections(prefix: bytes, tail: bytes) -> None:
    try:
        process_image(prefix + tail)
    except ImageRejectedError as err:
        assert err.reason in {
            "unsupported_type",
            "corrupt",
            "too_many_pixels",
            "animated",
            "unsupported_pixel_format",
        }


VALID_SOURCES = [
    encode(noisy((24, 16)), "JPEG", exif=gps_exif(orientation=6)),
    encode(noisy((24, 16)).convert("RGBA"), "PNG"),
    encode(noisy((24, 16)), "WEBP", exif=gps_exif()),
]


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.sampled_from(VALID_SOURCES),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_damaged_images_are_processed_or_rejected_cleanly(
    source: bytes, damage: list[tuple[int, int]]
) -> None:
    data = bytearray(source)
    for position, value in damage:
        data[position % len(data)] = value
    try:
        result = process_image(bytes(data))
    except ImageRejectedError:
        return
    assert_clean_jpeg(result.display)
    assert_clean_jpeg(result.thumbnail)


@pytest.mark.parametrize("size", [(0, 0), (0, 10), (10, 0)])
def test_zero_sized_images_are_corrupt(size: tuple[int, int]) -> None:
    for data in (png_with_size(*size), jpeg_with_size(*size)):
        with pytest.raises(CorruptImageError):
            process_image(data)


def test_reference_orientation_matches_pillow() -> None:
    source = encode(two_colour((40, 20)), "JPEG", exif=gps_exif(orientation=8))
    with Image.open(BytesIO(source)) as original:
        expected = ImageOps.exif_transpose(original)
    assert expected is not None

    out = reopen(process_image(source).display)

    assert out.size == expected.size
    assert_close(rgb_at(out, (10, 35)), rgb_at(expected, (10, 35)), tol=20)
    assert_close(rgb_at(out, (10, 5)), rgb_at(expected, (10, 5)), tol=20)
