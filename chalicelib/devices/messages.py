"""Device messages (SPEC 6) as the topic rule delivers them: the device's JSON payload plus
``community_id`` (topic(2)), ``device_id`` (topic(4)) and ``received_ms`` (timestamp()).

One pydantic model per event type, told apart by ``type``, validated with powertools Parser.
Fields a firmware adds beyond these are ignored (never stored).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

TopicId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True)]


def _plain_key(key: str) -> str:
    if key.startswith("/") or ".." in key.split("/") or "//" in key:
        raise ValueError("an evidence key is a plain relative S3 key")
    return key


EvidenceKey = Annotated[str, StringConstraints(
    min_length=1, max_length=1024, pattern=r"^[A-Za-z0-9!_.*'()/-]+$"), AfterValidator(_plain_key)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]

MAX_EVIDENCE = 10
MAX_TRAJECTORY = 500


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    community_id: TopicId
    device_id: TopicId
    received_ms: StrictInt = Field(ge=0)
    ts: AwareDatetime
    seq: StrictInt = Field(ge=0, le=2**63 - 1)


class ManholeDisplaced(_Message):
    type: Literal["manhole.displaced"]
    tilt_deg: Finite = Field(ge=0, le=180)


class ManholeRestored(_Message):
    type: Literal["manhole.restored"]
    tilt_deg: Finite | None = Field(default=None, ge=0, le=180)


class Evidence(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    s3_key: EvidenceKey
    sha256: Sha256
    captured_at: AwareDatetime


TrajectoryPoint = Annotated[list[Finite], Field(min_length=3, max_length=3)]


class ThrowDetected(_Message):
    type: Literal["throw.detected"]
    estimated_floor: StrictInt = Field(ge=1, le=300)
    trajectory: list[TrajectoryPoint] = Field(default_factory=list, max_length=MAX_TRAJECTORY)
    evidence: list[Evidence] = Field(default_factory=list, max_length=MAX_EVIDENCE)


class Pm25Reading(_Message):
    type: Literal["pm25.reading"]
    value_ugm3: Finite = Field(ge=0, le=5000)


class MovementAbnormal(_Message):
    type: Literal["movement.abnormal"]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    count: StrictInt = Field(ge=1, le=100000)


class Heartbeat(_Message):
    type: Literal["heartbeat"]


DeviceMessage = Annotated[
    ManholeDisplaced | ManholeRestored | ThrowDetected | Pm25Reading | MovementAbnormal
    | Heartbeat,
    Field(discriminator="type"),
]
SAFETY_TYPES = frozenset({"manhole.displaced", "manhole.restored", "throw.detected",
                          "movement.abnormal"})
TELEMETRY_TYPES = frozenset({"pm25.reading", "heartbeat"})
SENT_BY: dict[str, frozenset[str]] = {
    "manhole.displaced": frozenset({"manhole_sensor"}),
    "manhole.restored": frozenset({"manhole_sensor"}),
    "throw.detected": frozenset({"throw_camera"}),
    "pm25.reading": frozenset({"pm25_sensor"}),
    "movement.abnormal": frozenset({"movement_sensor"}),
}
"""Which device types may send each event type (a heartbeat: any)."""


class BadMessageError(ValueError):
    """The message is not a valid device message; ``fields`` names what failed."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("bad device message: " + ", ".join(fields))
        self.fields = fields


def parse_message(event: Any) -> Any:
    """The typed message. Raises BadMessageError."""
    from aws_lambda_powertools.utilities.parser import ValidationError, parse

    if not isinstance(event, dict):
        raise BadMessageError(["(message)"])
    try:
        return parse(event=event, model=DeviceMessage)  # type: ignore[call-overload]
    except ValidationError as err:
        raise BadMessageError(sorted({".".join(str(p) for p in e["loc"]) or "(message)"
                                      for e in err.errors()})) from err


def sent_at(message: Any) -> datetime:
    """When IoT Core received the message (alarm times are these, not the device's clock)."""
    from datetime import timezone

    return datetime.fromtimestamp(message.received_ms / 1000, tz=timezone.utc)
