"""Make the CJK font subset that ships with the package (routing/exports/fonts/).

Why: the drivers' sheets and map must show Chinese place names on a machine with no CJK font
installed, and a whole CJK font is 16-20 MB. A subset of the characters the shipped division
data can produce is small enough to ship.

Source: Noto Sans CJK SC Regular (SIL OFL 1.1), from Debian's `fonts-noto-cjk`
(/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, the "Noto Sans CJK SC" face), used
only here, on the machine that makes the file.

Character set: every character of the division files (data/raw/vonng_adcode/adcode/*.csv, and
the full Shaanxi+Gansu set under ../shared/data/raw/vonng_adcode/adcode/ when present), of the
shipped counties' points.csv and county.json, the facility names' fixed words, a few UI words,
ASCII, Latin-1, general punctuation (the sheets' separators · – — …), CJK punctuation and
full-width forms.

Output: TrueType (glyf) outlines, converted from the source's CFF with cu2qu, because
reportlab embeds only glyf fonts; no hinting, no layout tables; the family is renamed
"RouteSans CJK SC" (a Modified Version under the OFL). Reproducible: timestamps are fixed.

    apt-get install -y fonts-noto-cjk
    python scripts/make_cjk_font.py          # writes the package's RouteSansCJKsc-Regular.ttf
    python scripts/make_cjk_font.py --check  # fails if the shipped font misses a character
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from routing.exports.fonts import to_truetype  # the same conversion the outputs use

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "Noto Sans CJK SC"
OUT = ROOT / "routing" / "exports" / "fonts" / "RouteSansCJKsc-Regular.ttf"
FAMILY = "RouteSans CJK SC"
ADCODE_DIRS = (
    ROOT / "data" / "raw" / "vonng_adcode" / "adcode",
    ROOT.parent / "shared" / "data" / "raw" / "vonng_adcode" / "adcode",
)
# Words of generated facility names (routing/datasets/sites.py) and of Chinese UI labels.
FIXED_WORDS = (
    "物流配送中心 电商产业园加工配送中心 农产品冷链仓储中心 "
    "送货 取货 卸货 冷链 第页共 车辆 出发 返回 公里 小时 件 公斤 站点 完成 签名 备注 "
    "县市区镇乡村街道办事处社区居委会"
)
RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1: · × ° ¥ and accented letters
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x2030, 0x203A),  # per mille, primes, angle quotes
    (0x2190, 0x2193),  # arrows
    (0x2212, 0x2212),  # minus
    (0x25A0, 0x25A1),  # squares
    (0x25CB, 0x25CF),  # circles
    (0x2713, 0x2714),  # check marks (where the source has them)
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF01, 0xFF5E),  # full-width forms
    (0xFFE5, 0xFFE5),  # full-width yuan sign
)


def characters() -> set[str]:
    """Every character the shipped data and the outputs' fixed text can put on a page."""
    chars = {chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)}
    files = [p for d in ADCODE_DIRS if d.is_dir() for p in sorted(d.glob("*.csv"))]
    files += sorted((ROOT / "data").glob("*/points.csv"))
    files += sorted((ROOT / "data").glob("*/county.json"))
    for path in files:
        chars |= set(path.read_text(encoding="utf-8"))
    chars |= set(FIXED_WORDS)
    return {c for c in chars if c.isprintable() or c == "\u3000"}


def _source_face(path: Path) -> TTFont:
    faces = TTCollection(str(path)).fonts if path.suffix.lower() == ".ttc" else [TTFont(path)]
    for face in faces:
        if face["name"].getDebugName(1) == SOURCE_FACE:
            return face
    sys.exit(f"{path} has no face named {SOURCE_FACE!r}")


def _rename(font: TTFont) -> None:
    """A Modified Version gets its own name (OFL 1.1, condition 3); copyright and licence
    entries stay."""
    name = font["name"]
    ps = FAMILY.replace(" ", "") + "-Regular"
    for rec_id, text in (
        (1, FAMILY),
        (3, f"{ps};subset of Noto Sans CJK SC 2.004"),
        (4, FAMILY),
        (6, ps),
        (16, FAMILY),
    ):
        name.setName(text, rec_id, 3, 1, 0x409)
        name.setName(text, rec_id, 1, 0, 0)
    name.names = [n for n in name.names if n.nameID in (0, 1, 2, 3, 4, 5, 6, 13, 14, 16, 17)]


def make(source: Path, out: Path) -> tuple[int, int]:
    """Write the subset; returns (characters, CJK characters) covered."""
    font = _source_face(source)
    wanted = characters()
    cmap = font.getBestCmap()
    have = sorted(ord(c) for c in wanted if ord(c) in cmap)
    missing = sorted(c for c in wanted if ord(c) not in cmap and not c.isspace())
    if any(0x3400 <= ord(c) <= 0x9FFF for c in missing):
        sys.exit(f"the source lacks CJK characters: {''.join(missing)}")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = [0x409]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=have)
    sub.subset(font)
    to_truetype(font)
    _rename(font)
    head = font["head"]
    head.created = head.modified = 3_800_000_000  # fixed: the same input gives the same file
    out.parent.mkdir(parents=True, exist_ok=True)
    font.recalcTimestamp = False
    font.save(str(out))
    return len(have), sum(1 for c in have if c >= 0x2E80 and not 0xFF01 <= c <= 0xFF5E)


def check(font_path: Path) -> list[str]:
    """Characters of the data that the shipped font misses."""
    cmap = TTFont(str(font_path)).getBestCmap()
    return sorted(c for c in characters() if ord(c) not in cmap and 0x3400 <= ord(c) <= 0x9FFF)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=SOURCE, help=f"default {SOURCE}")
    ap.add_argument("--out", type=Path, default=OUT, help="default: the package's font")
    ap.add_argument("--check", action="store_true", help="only check the shipped font")
    args = ap.parse_args()
    if args.check:
        missing = check(args.out)
        if missing:
            sys.exit(f"{args.out.name} misses {len(missing)}: {''.join(missing)}")
        print(f"{args.out.name} covers every character of the data")
        return
    n, cjk = make(args.source, args.out)
    size = args.out.stat().st_size
    print(f"{args.out}: {n} characters ({cjk} CJK), {size:,} bytes ({size / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
