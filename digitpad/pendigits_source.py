"""Where the pendigits pen data comes from: a path, $DIGITPAD_PENDIGITS, or a cached download.

On a user's machine the file is downloaded once from the UCI Machine Learning Repository
(as Keras downloads MNIST) and kept in ~/.digitpad/data. UCI stores it compressed with
Unix `compress` (a `.Z` file inside a zip archive); `unlzw3` decompresses it.
"""

import io
import os
import pathlib
import tempfile
import urllib.request
import zipfile

from digitpad import config, pendigits

ARCHIVE_URL = (
    "https://archive.ics.uci.edu/static/public/81/pen+based+recognition+of+handwritten+digits.zip"
)
ARCHIVE_MEMBER = "pendigits-orig.tra.Z"
CACHE_PATH = config.USER_DIR / "data" / "pendigits-orig.tra"
DOWNLOAD_TIMEOUT = 30  # seconds
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024


def locate(
    path: str | os.PathLike | None = None, download: bool = True
) -> tuple[pathlib.Path | None, str]:
    """The pendigits file to train on, and, when there is none, why (a sentence)."""
    if path is not None or os.environ.get(config.PENDIGITS_ENV_VAR):
        resolved = pendigits.resolve_path(path)
        if resolved.is_file():
            return resolved, ""
        return None, f"no pendigits file at {resolved}"
    for candidate in (config.DEFAULT_PENDIGITS_PATH, CACHE_PATH):
        if candidate.is_file():
            return candidate, ""
    if not download:
        return None, f"no pendigits file; set {config.PENDIGITS_ENV_VAR}"
    try:
        return cache_download(), ""
    except (OSError, ValueError) as error:  # offline, or the archive changed
        return None, f"pendigits could not be downloaded ({error}); set {config.PENDIGITS_ENV_VAR}"


def fetch(url: str = ARCHIVE_URL) -> bytes:
    """The bytes at `url` (the UCI archive); OSError when offline."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
        payload = response.read(MAX_ARCHIVE_BYTES + 1)
    if len(payload) > MAX_ARCHIVE_BYTES:
        raise ValueError(f"{url} is larger than expected")
    return payload


def cache_download(target: pathlib.Path = CACHE_PATH) -> pathlib.Path:
    """Download the UCI archive, decompress its training file into `target`; return it."""
    text = unpack(fetch())
    pendigits.parse_unipen(text.decode("ascii"), source=ARCHIVE_URL)  # refuse a wrong file
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".pendigits-")
    with os.fdopen(handle, "wb") as file:
        file.write(text)
    os.replace(temporary, target)
    return target


def unpack(archive: bytes) -> bytes:
    """The decompressed `pendigits-orig.tra` out of the UCI zip archive's `.Z` member."""
    import unlzw3

    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            names = [name for name in bundle.namelist() if name.endswith(ARCHIVE_MEMBER)]
            if not names:
                raise ValueError(f"the archive holds no {ARCHIVE_MEMBER}")
            compressed = bundle.read(names[0])
    except zipfile.BadZipFile as error:
        raise ValueError(f"the download is not a zip archive ({error})") from error
    try:
        return unlzw3.unlzw(compressed)
    except (ValueError, IndexError) as error:
        raise ValueError(f"{ARCHIVE_MEMBER} is not a valid .Z file ({error})") from error
