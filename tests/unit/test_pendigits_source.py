"""Tests of digitpad.pendigits_source: finding, downloading (faked) and caching the pen data."""

import io
import zipfile

import pytest

from digitpad import config, pendigits, pendigits_source

UNIPEN = b""".SEGMENT DIGIT    0 ? "1"
.COMMENT 1  7  12
.PEN_DOWN
 250  400
 250  100
.PEN_UP
"""


def compress_literally(data: bytes) -> bytes:
    """Unix `compress` (.Z) format with every byte as its own 9-bit code (valid, unshrunk).

    Short inputs keep the decoder's table under 512 entries, so the codes stay 9 bits wide.
    """
    assert len(data) < 250
    bits = 0
    for position, byte in enumerate(data):
        bits |= byte << (9 * position)
    body = bits.to_bytes((9 * len(data) + 7) // 8, "little")
    return b"\x1f\x9d\x90" + body  # magic, then block mode with at most 16-bit codes


def uci_archive(member: bytes) -> bytes:
    """A zip like UCI's, holding `pendigits-orig.tra.Z`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("pendigits-orig.names", "notes")
        bundle.writestr(pendigits_source.ARCHIVE_MEMBER, member)
    return buffer.getvalue()


def test_unpack_decompresses_the_z_member():
    assert pendigits_source.unpack(uci_archive(compress_literally(UNIPEN))) == UNIPEN


def test_cache_download_writes_a_parsable_file(monkeypatch, tmp_path):
    archive = uci_archive(compress_literally(UNIPEN))
    monkeypatch.setattr(pendigits_source, "fetch", lambda url=None: archive)
    target = pendigits_source.cache_download(tmp_path / "cache" / "pendigits-orig.tra")
    [digit] = pendigits.load_pendigits(target)
    assert (digit.label, digit.writer) == (1, 7)


@pytest.mark.parametrize(
    ("archive", "problem"),
    [(b"not a zip", "not a zip archive"), (uci_archive(b"\x1f\x9d\x90\xff"), "not a valid .Z")],
)
def test_a_broken_download_is_refused(archive, problem):
    with pytest.raises(ValueError, match=problem):
        pendigits_source.unpack(archive)


def test_offline_without_a_file_says_why(monkeypatch, tmp_path):
    monkeypatch.delenv(config.PENDIGITS_ENV_VAR, raising=False)
    monkeypatch.setattr(config, "DEFAULT_PENDIGITS_PATH", tmp_path / "absent.tra")
    monkeypatch.setattr(pendigits_source, "CACHE_PATH", tmp_path / "cache.tra")

    def offline(url=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(pendigits_source, "fetch", offline)
    path, problem = pendigits_source.locate()
    assert path is None and "could not be downloaded" in problem


def test_a_missing_named_file_is_not_downloaded(monkeypatch, tmp_path):
    monkeypatch.setattr(pendigits_source, "fetch", lambda url=None: pytest.fail("downloaded"))
    path, problem = pendigits_source.locate(tmp_path / "absent.tra")
    assert path is None and "no pendigits file" in problem
