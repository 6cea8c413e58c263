"""What an MP4/MOV sample description says without decoding: H.264 and HEVC profiles, the pixel aspect ratio.

FFmpeg learns a stream's profile and its decoder's sample aspect ratio while it probes the first packets, which
on a 1080p file means decoding the first frames (tens of milliseconds). The sample description in ``moov`` holds
the same facts: ``avcC`` carries the H.264 sequence parameter sets, ``hvcC`` the HEVC profile, ``pasp`` the pixel
aspect ratio. These functions read them as FFmpeg's decoders and demuxer do, and name profiles as FFmpeg does
(``AVCodecDescriptor.profiles``), so that a report built from them equals one built after FFmpeg's full probe.
Each returns None when the box does not settle the fact; the caller then lets FFmpeg probe.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

__all__ = ["display_aspect_ratio", "h264_profile", "hevc_profile", "pixel_aspect_ratio", "reduce_ratio"]

_CONSTRAINED = 1 << 9  # FFmpeg's AV_PROFILE_H264_CONSTRAINED: constraint_set1_flag on Baseline
_INTRA = 1 << 11  # AV_PROFILE_H264_INTRA: constraint_set3_flag on High 10, High 4:2:2, High 4:4:4 Predictive

H264_PROFILES = {
    66: "Baseline",
    66 | _CONSTRAINED: "Constrained Baseline",
    77: "Main",
    88: "Extended",
    100: "High",
    110: "High 10",
    110 | _INTRA: "High 10 Intra",
    122: "High 4:2:2",
    122 | _INTRA: "High 4:2:2 Intra",
    144: "High 4:4:4",
    244: "High 4:4:4 Predictive",
    244 | _INTRA: "High 4:4:4 Intra",
    44: "CAVLC 4:4:4",
    118: "Multiview High",
    128: "Stereo High",
}
"""FFmpeg's H.264 profile values (``profile_idc`` plus its constraint bits) and names."""

HEVC_PROFILES = {1: "Main", 2: "Main 10", 3: "Main Still Picture", 4: "Rext", 6: "Multiview Main", 9: "Scc"}
"""FFmpeg's HEVC profile names by ``general_profile_idc`` (the decoder reports the idc itself as the profile)."""

_H264_SPS = 7
_AVCC_FIRST_SPS = 6  # version, profile, compatibility, level, NAL length size, SPS count
_HVCC_PROFILE = 1  # byte 1: profile space (2 bits), tier (1), general_profile_idc (5); then 32 compatibility flags
_DAR_LIMIT = 1024 * 1024  # PyAV reduces the display aspect ratio to terms of at most this (av_reduce's max)
_INT_MAX = 2**31 - 1


def h264_profile(avcc: bytes) -> str | None:
    """The profile of the sequence parameter sets in an ``avcC`` box, as FFmpeg's ``ff_h264_get_profile``.

    Read from the SPS itself (the bytes the decoder parses), not from the copy in the box header. None when the box
    holds no SPS, SPSs of different profiles, or a profile FFmpeg does not name.
    """
    profiles = {_sps_profile(sps) for sps in _avcc_parameter_sets(avcc)}
    if len(profiles) != 1:
        return None
    return H264_PROFILES.get(profiles.pop())


def _avcc_parameter_sets(avcc: bytes) -> list[bytes]:
    """The SPS NAL units of an ``avcC`` box (an empty list when the box is malformed)."""
    if len(avcc) < _AVCC_FIRST_SPS or avcc[0] != 1:
        return []
    count, offset, found = avcc[5] & 0x1F, _AVCC_FIRST_SPS, []
    for _ in range(count):
        if offset + 2 > len(avcc):
            return []
        (length,) = struct.unpack_from(">H", avcc, offset)
        nal = avcc[offset + 2 : offset + 2 + length]
        if len(nal) < 3 or nal[0] & 0x1F != _H264_SPS:
            return []
        found.append(nal)
        offset += 2 + length
    return found


def _sps_profile(sps: bytes) -> int:
    """``profile_idc`` with the constraint flags FFmpeg folds into it (bytes 1 and 2 of the NAL unit)."""
    profile_idc, flags = sps[1], sps[2]
    set1, set3 = flags & 0x40, flags & 0x10  # constraint_set0_flag is the top bit
    if profile_idc == 66 and set1:
        return profile_idc | _CONSTRAINED
    if profile_idc in (110, 122, 244) and set3:
        return profile_idc | _INTRA
    return profile_idc


def hevc_profile(hvcc: bytes) -> str | None:
    """The general profile of an ``hvcC`` box, as FFmpeg's HEVC decoder derives it.

    ``general_profile_idc`` 0 means "see the compatibility flags": FFmpeg then takes the first flag set after
    flag 0. None for a malformed box or a profile FFmpeg does not name.
    """
    if len(hvcc) < _HVCC_PROFILE + 5 or hvcc[0] != 1:
        return None
    profile_idc = hvcc[_HVCC_PROFILE] & 0x1F
    (compatibility,) = struct.unpack_from(">I", hvcc, _HVCC_PROFILE + 1)
    if profile_idc == 0:
        profile_idc = next((i for i in range(1, 32) if compatibility & (1 << (31 - i))), 0)
    return HEVC_PROFILES.get(profile_idc)


def pixel_aspect_ratio(pasp: bytes) -> Fraction | None:
    """The sample aspect ratio of a ``pasp`` box (hSpacing:vSpacing), or None when FFmpeg would not use it.

    FFmpeg reads both spacings as signed 32-bit values and ignores a ratio that is not positive.
    """
    if len(pasp) < 8:
        return None
    h_spacing, v_spacing = struct.unpack_from(">ii", pasp, 0)
    if h_spacing <= 0 or v_spacing <= 0:
        return None
    return Fraction(h_spacing, v_spacing)


def display_aspect_ratio(width: int, height: int, sample_aspect_ratio: Fraction | None) -> Fraction | None:
    """(width x SAR) : height, reduced as PyAV's ``VideoStream.display_aspect_ratio`` does (None when unknown)."""
    if sample_aspect_ratio is None or width <= 0 or height <= 0:
        return None
    num, den = reduce_ratio(width * sample_aspect_ratio.numerator, height * sample_aspect_ratio.denominator, _DAR_LIMIT)
    return Fraction(num, den) if num and den else None


def reduce_ratio(num: int, den: int, limit: int = _INT_MAX) -> tuple[int, int]:
    """FFmpeg's ``av_reduce``: ``num/den`` in lowest terms, or its best approximation with terms ≤ ``limit``.

    The approximation walks the continued fraction and, at the first convergent over the limit, takes the largest
    semiconvergent within it when that is closer than the last convergent.
    """
    negative = (num < 0) != (den < 0)
    num, den = abs(num), abs(den)
    divisor = math.gcd(num, den)
    if divisor:
        num, den = num // divisor, den // divisor
    if num <= limit and den <= limit:
        return (-num if negative else num), den
    best = _continued_fraction_within(num, den, limit)
    return (-best[0] if negative else best[0]), best[1]


def _continued_fraction_within(num: int, den: int, limit: int) -> tuple[int, int]:
    previous, current = (0, 1), (1, 0)
    while den:
        term = num // den
        following = (term * current[0] + previous[0], term * current[1] + previous[1])
        if following[0] > limit or following[1] > limit:
            return _closer_semiconvergent(num, den, limit, previous, current)
        previous, current = current, following
        num, den = den, num - den * term
    return current


def _closer_semiconvergent(
    num: int, den: int, limit: int, previous: tuple[int, int], current: tuple[int, int]
) -> tuple[int, int]:
    term = num // den
    if current[0]:
        term = (limit - previous[0]) // current[0]
    if current[1]:
        term = min(term, (limit - previous[1]) // current[1])
    if den * (2 * term * current[1] + previous[1]) > num * current[1]:
        return term * current[0] + previous[0], term * current[1] + previous[1]
    return current
