"""When Prometheus 2.42 first evaluates a rule group, so a slow tier can be measured in a short run.

A group runs at wall-clock instants t with t mod interval = hash(group name, file path) mod interval
(the hash is xxhash64 of the label set {file, name}, `name\\xffvalue\\xff` pairs in name order). A 5m
group may first run up to 5 minutes after start; choosing each rule file's path (its content stays as
generated) puts every coarse group's first evaluation inside a chosen stretch of the run instead.
The measurement does not depend on this being right: it waits for every group, up to a full interval.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _MASK, 31) * _P1) & _MASK


def _merge(acc: int, lane: int) -> int:
    return (((acc ^ _round(0, lane)) * _P1) + _P4) & _MASK


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 (the hash Prometheus labels use), written from the published algorithm."""
    length, i = len(data), 0
    if length >= 32:
        lanes = [(seed + _P1 + _P2) & _MASK, (seed + _P2) & _MASK, seed, (seed - _P1) & _MASK]
        while i + 32 <= length:
            for k in range(4):
                lanes[k] = _round(lanes[k], int.from_bytes(data[i + 8 * k : i + 8 * k + 8], "little"))
            i += 32
        acc = (_rotl(lanes[0], 1) + _rotl(lanes[1], 7) + _rotl(lanes[2], 12) + _rotl(lanes[3], 18)) & _MASK
        for lane in lanes:
            acc = _merge(acc, lane)
    else:
        acc = (seed + _P5) & _MASK
    acc = (acc + length) & _MASK
    while i + 8 <= length:
        acc ^= _round(0, int.from_bytes(data[i : i + 8], "little"))
        acc = (_rotl(acc, 27) * _P1 + _P4) & _MASK
        i += 8
    if i + 4 <= length:
        acc ^= (int.from_bytes(data[i : i + 4], "little") * _P1) & _MASK
        acc = (_rotl(acc, 23) * _P2 + _P3) & _MASK
        i += 4
    while i < length:
        acc ^= (data[i] * _P5) & _MASK
        acc = (_rotl(acc, 11) * _P1) & _MASK
        i += 1
    acc ^= acc >> 33
    acc = (acc * _P2) & _MASK
    acc ^= acc >> 29
    acc = (acc * _P3) & _MASK
    return acc ^ (acc >> 32)


def group_phase(file: str, group: str, interval_s: float) -> float:
    """Seconds into each interval (since the epoch) at which Prometheus 2.42 evaluates the group."""
    key = b"file\xff" + file.encode() + b"\xffname\xff" + group.encode() + b"\xff"
    interval_ns = int(interval_s * 1e9)
    return (xxh64(key) % interval_ns) / 1e9


def first_evaluation(phase: float, interval_s: float, started: float) -> float:
    """The first slot strictly after `started` (2.42 waits for the next slot, it does not run at once)."""
    slot = started - ((started - phase) % interval_s)
    return slot + interval_s


def pick_path(
    candidates: list[str], group: str, interval_s: float, start: float, stretch: tuple[float, float]
) -> str | None:
    """The first candidate path whose group first runs within [start + a, start + b], if any."""
    earliest, latest = stretch
    for path in candidates:
        first = first_evaluation(group_phase(path, group, interval_s), interval_s, start)
        if start + earliest <= first <= start + latest:
            return path
    return None
