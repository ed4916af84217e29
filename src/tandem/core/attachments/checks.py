"""Does an uploaded file's content match what it claims to be? (size, type, executables)

The claimed type comes from the file name's extension and, when given, the browser's
declared type; the real type is sniffed from the bytes by the ``filetype`` library.
Text formats have no magic bytes: they pass when the bytes decode as text and hold no NUL.
Executables and scripts are refused whatever they are called.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from typing import NoReturn

import filetype
from charset_normalizer import from_bytes
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationFailed

GENERIC = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}

EXECUTABLE_TYPES = {
    "application/x-executable",
    "application/x-msdownload",
    "application/x-dosexec",
    "application/x-mach-binary",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
    "application/x-msdos-program",
    "application/x-deb",
    "application/x-rpm",
    "application/x-google-chrome-extension",
    "application/java-archive",
    "application/vnd.android.package-archive",
    "application/x-shockwave-flash",
    "application/wasm",
}
EXECUTABLE_EXTENSIONS = {
    "exe", "dll", "com", "bat", "cmd", "msi", "msp", "mst", "scr", "pif", "cpl", "sys", "drv",
    "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "ps1", "psm1", "psd1", "sh", "bash", "csh",
    "ksh", "zsh", "fish", "run", "bin", "elf", "so", "dylib", "app", "apk", "jar", "deb", "rpm",
    "appimage", "lnk", "reg", "hta", "msc", "gadget", "inf", "scf", "application", "pyc", "pyz",
    "class", "wasm", "ocx", "xll",
}  # fmt: skip
# Magic numbers filetype does not know: Mach-O (32/64-bit, both byte orders) and fat binaries.
EXECUTABLE_MAGIC = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)

# Spellings of one type that the two sources (mimetypes, filetype) disagree on.
ALIASES = {
    "image/vnd.microsoft.icon": "image/x-icon",
    "application/vnd.rar": "application/x-rar-compressed",
    "audio/wav": "audio/x-wav",
    "audio/vnd.wave": "audio/x-wav",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-zip-compressed": "application/zip",
    "application/x-pdf": "application/pdf",
    "image/heif": "image/heic",
    "audio/mp3": "audio/mpeg",
    "application/x-gzip": "application/gzip",
}
# Types whose bytes the sniffer may report as another member of the family.
FAMILIES = [
    {  # ZIP containers
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.graphics",
        "application/epub+zip",
        "application/vnd.ms-xpsdocument",
        "application/oxps",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-word.document.macroenabled.12",
    },
    {  # OLE2 compound files: legacy Office documents and Outlook messages
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-outlook",
        "application/x-ole-storage",
    },
    {"video/mp4", "video/x-m4v", "audio/mp4", "audio/x-m4a", "video/quicktime", "video/3gpp"},  # ISO media
    {"application/font-woff", "font/woff", "font/woff2"},
    {"application/font-sfnt", "font/ttf", "font/otf", "font/sfnt"},
]
ENCODINGS = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}
EXTRA_TYPES = {"msg": "application/vnd.ms-outlook", "heif": "image/heic", "woff2": "font/woff2"}
TEXT_LIKE = {
    "application/json",
    "application/xml",
    "application/ld+json",
    "application/x-yaml",
    "application/yaml",
    "application/sql",
    "application/x-subrip",
    "image/svg+xml",
    "message/rfc822",
    "text/calendar",
    "text/vcard",
}


@dataclass(frozen=True)
class Checked:
    name: str
    mime_type: str


def check(name: str, content: bytes, declared: str | None = None) -> Checked:
    """Validate one file; raise :class:`ValidationFailed` with a clear reason, else return
    the cleaned name and the type the file will be stored and served as."""
    clean = clean_name(name)
    limit = settings.TANDEM_ATTACHMENT_MAX_BYTES
    if not content:
        _fail(_("“%(name)s” is empty.") % {"name": clean})
    if len(content) > limit:
        _fail(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": clean, "size": filesizeformat(len(content)), "limit": filesizeformat(limit)}
        )
    extension = clean.rpartition(".")[2].lower() if "." in clean else ""
    sniffed = _normal(filetype.guess_mime(content) or "")
    if (
        extension in EXECUTABLE_EXTENSIONS
        or sniffed in EXECUTABLE_TYPES
        or content.startswith(EXECUTABLE_MAGIC)
        or content.startswith(b"#!")
    ):
        _fail(_("“%(name)s” is a program or script; such files cannot be attached.") % {"name": clean})
    claimed = [t for t in (_type_of_name(clean), _normal(declared or "")) if t and t not in GENERIC]
    if sniffed:
        for claim in claimed:
            if not _compatible(claim, sniffed):
                _fail(_mismatch(clean, sniffed))
        return Checked(clean, _best(claimed, sniffed))
    if not is_text(content):
        _fail(_("The content of “%(name)s” is not a file type Tandem recognises.") % {"name": clean})
    for claim in claimed:
        if not _is_text_type(claim):
            _fail(
                _("“%(name)s” is named as %(type)s, but its content is plain text.")
                % {"name": clean, "type": claim}
            )
    return Checked(clean, claimed[0] if claimed else "text/plain")


def is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return from_bytes(content[:65536]).best() is not None
    return True


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_name(name: str) -> str:
    """The last path component, without control or reserved characters, at most 255 long."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(_UNSAFE.sub("_", base).split()).strip(" .")
    if not base:
        return "file"
    if len(base) > 255:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 254 - len(extension)] + dot + extension) if dot and len(extension) < 20 else base[:255]
    return base


def _type_of_name(name: str) -> str:
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in EXTRA_TYPES:
        return EXTRA_TYPES[extension]
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding:
        return ENCODINGS.get(encoding, "")
    return _normal(guessed or "")


def _normal(mime: str) -> str:
    mime = mime.split(";", 1)[0].strip().lower()
    return ALIASES.get(mime, mime)


def _compatible(claim: str, sniffed: str) -> bool:
    if claim == sniffed:
        return True
    return any(claim in family and sniffed in family for family in FAMILIES)


def _best(claimed: list[str], sniffed: str) -> str:
    """The sniffer says "zip" for a .docx: keep the more precise claimed type of the family."""
    for claim in claimed:
        if _compatible(claim, sniffed) and sniffed in {"application/zip", "application/x-ole-storage"}:
            return claim
    return sniffed


def _is_text_type(mime: str) -> bool:
    return mime.startswith("text/") or mime in TEXT_LIKE


def _mismatch(name: str, sniffed: str) -> str:
    return _("The content of “%(name)s” does not match its type: it is %(type)s.") % {
        "name": name,
        "type": sniffed,
    }


def _fail(message: str) -> NoReturn:
    raise ValidationFailed({"file": [message]})
