"""Photo pipeline: ``process_image`` on a 12 MP phone JPEG against the least work that still
yields the display image, and against a naive full-decode pipeline.

The source is a 4000×3000, ~4.5 MB quality-95 JPEG made in memory: smooth colour fields with
sensor-like grain, EXIF with the camera, a date, orientation 6 (held upright) and GPS.
- floor: ``draft`` to the DCT scale that still covers 2048 px (for 4000 px that is 1/1), one
  resize to 2048 px, one plain JPEG encode (no orientation, thumbnail, checks or Huffman
  optimisation, which process_image does);
- naive: full decode, ``exif_transpose`` at full size, both renditions resized from the original;
- process_image: both renditions, with sniffing, the pixel limit, orientation and no metadata.
The three alternate within each round so machine noise hits them alike; medians are printed.
Target: process_image / floor at most 1.3. Run: .venv/bin/python -m bench.photo_pipeline [rounds]
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO

from PIL import Image, ImageOps

from chalicelib.tickets.images import DISPLAY_EDGE, JPEG_QUALITY, THUMBNAIL_EDGE, process_image

ROUNDS = 9
SOURCE_SIZE = (4000, 3000)
SOURCE_QUALITY = 95
ORIENTATION, GPS_IFD, EXIF_IFD = 0x0112, 0x8825, 0x8769
LANCZOS = Image.Resampling.LANCZOS


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Pocket 12"
    exif[0x0132] = "2024:05:01 10:00:00"
    exif[ORIENTATION] = 6
    details = exif.get_ifd(EXIF_IFD)
    details[0x9003] = "2024:05:01 10:00:00"
    details[0x829A] = 1 / 120
    details[0x8827] = 100
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (24.0, 30.0, 36.0)
    gps[3], gps[4] = "E", (117.0, 39.0, 0.0)
    return exif


def phone_jpeg(seed: int = 1) -> bytes:
    """A deterministic, phone-like 12 MP JPEG: about 4.5 MB with EXIF, orientation and GPS."""
    rng = random.Random(seed)
    width, height = SOURCE_SIZE

    def smooth(columns: int, rows: int) -> Image.Image:
        coarse = Image.frombytes("RGB", (columns, rows), rng.randbytes(columns * rows * 3))
        return coarse.resize(SOURCE_SIZE, Image.Resampling.BICUBIC)

    scene = Image.blend(smooth(8, 6), smooth(80, 60), 0.35)
    scene = Image.blend(scene, smooth(800, 600), 0.25)
    grain = Image.frombytes("L", SOURCE_SIZE, rng.randbytes(width * height)).convert("RGB")
    photo = Image.blend(scene, grain, 6 / 255)
    buffer = BytesIO()
    photo.save(buffer, "JPEG", quality=SOURCE_QUALITY, exif=phone_exif())
    return buffer.getvalue()


def fitted(size: tuple[int, int], edge: int) -> tuple[int, int]:
    scale = edge / max(size)
    return (round(size[0] * scale), round(size[1] * scale)) if scale < 1 else size


def encode(im: Image.Image) -> bytes:
    buffer = BytesIO()
    im.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def floor(data: bytes) -> None:
    with Image.open(BytesIO(data)) as im:
        im.draft("RGB", fitted(im.size, DISPLAY_EDGE))
        encode(im.resize(fitted(im.size, DISPLAY_EDGE), LANCZOS))


def naive(data: bytes) -> None:
    with Image.open(BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
        for edge in (DISPLAY_EDGE, THUMBNAIL_EDGE):
            encode(upright.resize(fitted(upright.size, edge), LANCZOS))


def timed(work: Callable[[bytes], object], data: bytes) -> float:
    start = time.perf_counter()
    work(data)
    return time.perf_counter() - start


def main(rounds: int = ROUNDS) -> None:
    data = phone_jpeg()
    result = process_image(data, "image/jpeg")
    with Image.open(BytesIO(result.display.data)) as display:
        assert display.size == (1536, 2048), "the display rendition is not upright"
        assert not display.getexif(), "the display rendition kept EXIF"
    contenders: dict[str, Callable[[bytes], object]] = {
        "floor": floor, "naive": naive, "process_image": lambda d: process_image(d, "image/jpeg"),
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, work in contenders.items():
            samples[name].append(timed(work, data))
    ms = {name: statistics.median(times) * 1000 for name, times in samples.items()}
    print(f"source: {SOURCE_SIZE[0]}x{SOURCE_SIZE[1]} JPEG q{SOURCE_QUALITY}, "
          f"{len(data) / 1e6:.2f} MB, EXIF orientation 6 + GPS")
    print(f"median of {rounds}: floor {ms['floor']:.0f} ms, naive {ms['naive']:.0f} ms, "
          f"process_image {ms['process_image']:.0f} ms")
    print(f"ratio process_image/floor: {ms['process_image'] / ms['floor']:.2f} (target <= 1.3)")
    print(f"ratio process_image/naive: {ms['process_image'] / ms['naive']:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
