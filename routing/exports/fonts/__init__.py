"""The font the drivers' sheets and map write Chinese in.

A subset of Noto Sans CJK SC (SIL OFL 1.1, see OFL.txt) ships with the package
(RouteSansCJKsc-Regular.ttf, made by scripts/make_cjk_font.py): every character of the shipped
division data, so Chinese names render on a machine with no CJK font installed. A character
outside it (a county built from other division data) is taken from an installed CJK font if
there is one; if none has it, the caller shows that name in pinyin. Nothing here warns.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

BUNDLED_FILE = "RouteSansCJKsc-Regular.ttf"
# Installed CJK fonts by file name, best first (sans before serif, Simplified Chinese faces
# preferred inside a collection).
_CJK_HINTS = (
    "notosanscjk",
    "sourcehansans",
    "notosanssc",
    "wqy-zenhei",
    "wqy-microhei",
    "droidsansfallback",
    "msyh",
    "simhei",
    "pingfang",
    "notoserifcjk",
    "sourcehanserif",
    "uming",
    "ukai",
    "simsun",
)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def bundled_font() -> Path:
    """The shipped subset's path (package data, installed as a file)."""
    return Path(str(resources.files(__name__).joinpath(BUNDLED_FILE)))


def system_font_dirs() -> list[Path]:
    home = Path.home()
    dirs = [home / ".local/share/fonts", home / ".fonts"]
    if sys.platform == "darwin":
        dirs += [home / "Library/Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    elif sys.platform == "win32":
        dirs += [Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    return dirs


def system_cjk_fonts(dirs: Iterable[Path] | None = None) -> list[Path]:
    """Installed CJK font files under `dirs` (default: the platform's font folders), best
    first. By file name only: cheap, and only consulted for a character the subset lacks."""
    found = []
    for d in system_font_dirs() if dirs is None else dirs:
        if not Path(d).is_dir():
            continue
        for root, _, files in os.walk(d):
            for name in files:
                key = name.lower().replace(" ", "").replace("_", "")
                if not key.endswith(_FONT_SUFFIXES):
                    continue
                rank = next((k for k, h in enumerate(_CJK_HINTS) if key.startswith(h)), None)
                if rank is not None:
                    found.append((rank, "bold" in key or "black" in key, key, Path(root) / name))
    return [path for *_, path in sorted(found)]


@dataclass(frozen=True, eq=False)  # one object per file (`load_face` caches): keyed by identity
class Face:
    """One font face: a file, its index in a collection, and the characters it has."""

    path: Path
    index: int
    name: str
    cmap: frozenset[int]

    def has(self, ch: str) -> bool:
        return ord(ch) in self.cmap


@functools.lru_cache(maxsize=16)
def load_face(path: Path) -> Face | None:
    """The face of a font file to use for Chinese (in a collection, the Simplified Chinese
    face); None if the file cannot be read as a font."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    faces = []
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            faces = TTCollection(str(path), lazy=True).fonts
        else:
            faces = [TTFont(str(path), lazy=True)]
        names = [str(f["name"].getDebugName(4) or "") for f in faces]
        index = next((k for k, n in enumerate(names) if n.endswith((" SC", " CN", " GB"))), 0)
        cmap = frozenset(faces[index].getBestCmap() or ())
    except (OSError, TTLibError, KeyError, AssertionError, ValueError):
        return None
    finally:  # lazy faces keep their file open until closed
        for f in faces:
            f.close()
    return Face(path, index, names[index], cmap)


class FontChain:
    """The bundled subset first, then installed CJK fonts, per character. `system` lists the
    installed fonts to consider: None looks them up (only when the subset lacks a character);
    an empty list makes the chain see none, as on a machine without CJK fonts."""

    def __init__(self, system: Sequence[Path] | None = None, bundled: Path | None = None):
        face = load_face(bundled or bundled_font())
        if face is None:
            raise FileNotFoundError(f"the bundled CJK font is missing: {bundled_font()}")
        self.bundled = face
        self._system = None if system is None else list(system)
        self._faces: list[Face] | None = None

    def _fallbacks(self) -> list[Face]:
        if self._faces is None:
            paths = system_cjk_fonts() if self._system is None else self._system
            self._faces = [f for f in map(load_face, paths) if f is not None]
        return self._faces

    def face_for(self, ch: str) -> Face | None:
        """The first face that has `ch`; None if none has it."""
        if self.bundled.has(ch):
            return self.bundled
        if ch.isspace() or not ch.isprintable():
            return self.bundled  # layout characters: drawn as space, never a box
        return next((f for f in self._fallbacks() if f.has(ch)), None)

    def covers(self, text: str) -> bool:
        return all(self.face_for(ch) is not None for ch in text)


def subset_bytes(face: Face, chars: Iterable[str], flavor: str | None = None) -> bytes:
    """A font with only `chars` of `face`, with TrueType outlines (converted from CFF where the
    source has them: PDF writers and old browsers want glyf); `flavor` "woff" for a page."""
    from fontTools.ttLib import TTFont

    with TTFont(str(face.path), fontNumber=face.index) as font:  # glyphs decoded on demand
        return _subset(font, face, chars, flavor)


def _subset(font, face: Face, chars: Iterable[str], flavor: str | None) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted({ord(c) for c in chars if face.has(c)}))
    sub.subset(font)
    if "CFF " in font:
        to_truetype(font)
    font.flavor = flavor
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def to_truetype(font) -> None:
    """CFF (cubic) outlines to glyf (quadratic), within 1 unit of 1000 per em, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG", "vhea", "vmtx"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, g in glyphs.items():
        hmtx.metrics[name] = (hmtx.metrics[name][0], getattr(g, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    font["post"].formatType = 3.0  # no glyph names: CID names mean nothing to a reader
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
