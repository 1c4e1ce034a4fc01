"""Display names and pinyin for Chinese administrative units.

Pinyin follows the place-name convention (GB/T 16159): the specific part written together, the
generic part (Cun, Zhen, Jiedao...) separate and capitalised, e.g. 田桂村 -> "Tiangui Cun".
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

# Readings that the general dictionary gets wrong in place names (polyphonic characters).
_PLACE_READINGS = {
    "长宁": ["chang", "ning"],
    "长青": ["chang", "qing"],
    "长兴": ["chang", "xing"],
    "长安": ["chang", "an"],
    "长武": ["chang", "wu"],
    "宕昌": ["tan", "chang"],
    "武都": ["wu", "du"],
    "朝阳": ["chao", "yang"],
    "单家": ["shan", "jia"],
    "解家": ["xie", "jia"],
    "堡子": ["bu", "zi"],
}

# Generic suffixes, longest first, with their pinyin.
_GENERICS = [
    ("社区居委会", "Shequ Juweihui"),
    ("街道办事处", "Jiedao"),
    ("村委会", "Cun"),
    ("居委会", "Juweihui"),
    ("自治县", "Zizhixian"),
    ("社区", "Shequ"),
    ("街道", "Jiedao"),
    ("村", "Cun"),
    ("镇", "Zhen"),
    ("乡", "Xiang"),
    ("县", "Xian"),
    ("区", "Qu"),
    ("市", "Shi"),
]


def display_name(official: str) -> str:
    """NBS names carry committee suffixes; villagers say 田桂村, not 田桂村委会."""
    for old, new in (("社区居委会", "社区"), ("街道办事处", "街道"), ("村委会", "村")):
        if official.endswith(old):
            return official[: -len(old)] + new
    return official


def syllables(text: str) -> list[str]:
    """Pinyin syllables without tones, with the place-name readings applied first."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for phrase, reading in _PLACE_READINGS.items():
            if text.startswith(phrase, i):
                out += reading
                i += len(phrase)
                break
        else:
            out += lazy_pinyin(text[i])
            i += 1
    return out


def split_generic(name: str) -> tuple[str, str]:
    """('田桂', '村') for 田桂村; the generic part is '' when none is recognised."""
    for generic, _ in _GENERICS:
        if name.endswith(generic) and len(name) > len(generic):
            return name[: -len(generic)], generic
    return name, ""


def place_pinyin(name: str) -> str:
    """'田桂村' -> 'Tiangui Cun'; '普集街道' -> 'Puji Jiedao'."""
    specific, generic = split_generic(name)
    spelled = "".join(syllables(specific)).capitalize()
    if not generic:
        return spelled
    return f"{spelled} {dict(_GENERICS)[generic]}"


def county_slug(name: str) -> str:
    """Folder name for a county: 武功县 -> 'wugong', 礼县 -> 'lixian' (one-character stems keep
    the generic, as people say them)."""
    specific, _ = split_generic(name)
    stem = specific if len(specific) >= 2 else name
    return "".join(syllables(stem)).lower()
