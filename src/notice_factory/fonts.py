"""Small CJK fonts for Chinese letters: GB2312 subsets of Noto CJK SC, built once.

Why this module exists: WeasyPrint subsets fonts with HarfBuzz's ``RETAIN_GIDS`` (the
glyph ids from shaping go straight into the PDF as CIDs), so an embedded subset keeps an
empty slot (hmtx, vmtx, CFF offsets) for every glyph id below the highest one used.
Noto CJK has ~63,000 glyphs and common hanzi sit high, so each font cost 140-190 KB per
letter whatever the text. WeasyPrint has no option to renumber glyphs, hence the fix is
upstream of it: we give it fonts whose glyph ids are small.

Each face (Serif/Sans × Regular/Bold) is cut to GB2312 (6,763 hanzi and its symbols),
ASCII, Latin-1, punctuation, full-width forms and every character of the Chinese
templates, then its glyphs are **reordered**: Latin and punctuation first, then the
characters the templates use, then common surnames, name and address characters, then
the rest. A typical letter therefore only uses glyph ids below ~1,500, and the retained
slots cost a few KB. Glyphs are renamed so that CID == GID, because WeasyPrint writes
glyph ids as CIDs and strict viewers map CIDs through the CFF charset.

The fonts are named "Notice Serif SC" / "Notice Sans SC" (the OFL asks modified fonts
not to carry the original name; it also keeps fontconfig from confusing them with the
system faces). ``templates/_common/fonts-zh.css`` declares them with ``@font-face``
``url(../_fonts/<file>)`` and keeps the system Noto family after them, so a character
outside the subset (a rare name character such as 堃) still renders, from the full font.

The files are not in the repository (about 2 MB each): :func:`ensure_font` builds them
on first use into the user cache dir (or ``$NOTICE_FACTORY_FONT_CACHE``), keyed by the
source font and the build recipe, and ``python -m notice_factory.fonts`` builds
them ahead of time (install step). A file of that name placed in ``templates/_fonts/``
wins over the cache.

**Word letters** (LibreOffice) need the same cut in another form. LibreOffice 7.4 turns a
CFF font into an eexec-encrypted Type 1 font in the PDF, which Flate cannot compress
(~140 KB per Chinese letter). A TrueType (``glyf``) font it embeds as a compressed
TrueType subset instead. :func:`build_office_font` therefore converts each cut face to
quadratic outlines (cu2qu) at 250 units per em (1 unit = 0.015 mm at 10.5 pt, far below
a printer dot; small deltas pack into one byte each and compress better), named
"Notice Serif SC Office" / "Notice Sans SC Office": a family of its own, so fontconfig
can never mix it up with the CFF cut nor with the system faces. They live in a folder
of the cache that only the converter's LibreOffice sees (:func:`office_fonts`,
:func:`fontconfig_text`); the Word templates keep "Noto Serif CJK SC" and the filled
document is renamed just before conversion (``render/docx.py``). The private fontconfig
prefers the system Noto CJK face after the cut one, so a rare name character still prints.

>>> spec_for_name("NoticeSerifSC-Bold.otf").face
'Noto Serif CJK SC Bold'
>>> spec_for_name("letter.css") is None
True
>>> "堃" in subset_characters(), "张" in subset_characters(), "A" in subset_characters()
(False, True, True)
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from notice_factory.errors import RenderError
from notice_factory.fsutil import atomic_write_bytes, atomic_write_text
from notice_factory.settings import environment

#: Bump when the recipe (characters, order, options) changes: cached fonts are rebuilt.
BUILD_VERSION = "2"

#: Bump when the TrueType conversion for LibreOffice changes: office fonts are rebuilt.
OFFICE_BUILD_VERSION = "1"

#: Units per em of the office fonts (Noto CJK has 1000): every full-width and half-width
#: advance and the vertical metrics scale exactly, Latin advances move by < 0.002 em.
OFFICE_UPEM = 250

#: Largest distance (font units at OFFICE_UPEM) between a cubic curve and its quadratic
#: replacement: 0.015 mm at 10.5 pt.
OFFICE_MAX_ERR = 1.0

#: Folder of the templates tree the CSS points at; files there are served by the fetcher.
FONTS_FOLDER = "_fonts"


@dataclass(frozen=True)
class FontSpec:
    """One generated font: its file name, the system face it is cut from, its new family."""

    file: str
    face: str  # full name of the system face (fontconfig "fullname")
    family: str
    postscript: str
    bold: bool


SPECS: tuple[FontSpec, ...] = (
    FontSpec("NoticeSerifSC-Regular.otf", "Noto Serif CJK SC", "Notice Serif SC",
             "NoticeSerifSC-Regular", False),
    FontSpec("NoticeSerifSC-Bold.otf", "Noto Serif CJK SC Bold", "Notice Serif SC",
             "NoticeSerifSC-Bold", True),
    FontSpec("NoticeSansSC-Regular.otf", "Noto Sans CJK SC", "Notice Sans SC",
             "NoticeSansSC-Regular", False),
    FontSpec("NoticeSansSC-Bold.otf", "Noto Sans CJK SC Bold", "Notice Sans SC",
             "NoticeSansSC-Bold", True),
)

@dataclass(frozen=True)
class OfficeFontSpec:
    """A TrueType version of a cut face, for LibreOffice; ``system`` is the family the
    Word templates name, which the converter renames to ``family``."""

    source: FontSpec
    file: str
    family: str
    postscript: str
    system: str


def _office_spec(spec: FontSpec) -> OfficeFontSpec:
    family = f"{spec.family} Office"
    style = "Bold" if spec.bold else "Regular"
    # LibreOffice writes the PostScript name as the PDF's BaseFont; hyphens between the
    # words keep the "Notice-Serif-SC" spelling WeasyPrint gives the same cut.
    postscript = f"{family.replace(' ', '-')}-{style}"
    return OfficeFontSpec(spec, f"{postscript}.ttf", family, postscript,
                          spec.face.removesuffix(" Bold"))


OFFICE_SPECS: tuple[OfficeFontSpec, ...] = tuple(_office_spec(s) for s in SPECS)


# Characters the Chinese templates print, most frequent first (extracted from
# templates/zh and the Python sources); tests/test_fonts.py checks that every character
# of templates/zh is in the subset, so a new template word never falls back silently.
TEMPLATE_CHARACTERS = (
    "款，本人还：的期。您行方第条欠十信、（）法议函金账定号日息户约民及乙协额六权如务费合事向律"
    "个催收用出提承利按有或请七；托《》委甲诺分异诉五业九为下不签应对一偿写关可师中管国通上书依据"
    "并与实规任自同计卡理起在所未以前商大证和保投债共告述护逾于具至违内项查之式已电将余热线址何百"
    "后当限系清银询消者单地时币年性供安知等零执联编部付义交明相章送记华成捺印意过照监督办构寄排院"
    "讼例字列署足话解化挂三面愿间其首入服公截先全申邮月即二盖「」典确果受支结四生每由易细情况作机"
    "会无透征到达家借　网录核处份拾元周次注客辖融致决种责补局示回进调就订履壹剩取基该授经认小双件"
    "名子天张各总也表李静雯根担求除贰伍仟万角整北京政标登八露因数仅讯超他刑案附营点渠道箱满拨打身"
    "发特此尚见要建仍叁两切另正础简称勿予迫诈是否主能力但新制位工手续门负开贷言现际准困难忽略转容"
    "码原率算报效肆陆柒佰亿伟险益必库胁欺完停止恶派传票黑失影响强领贴体页站凭助笔员接好良宜继返反"
    "拟误填头持了末存外扣代捌玖集团路楼室朝阳区市释〔〕骗追究涉嫌犯罪坐牢判检察缉立侦拘留逮捕被高"
    "女封冻属亲友紧急邻居导今最牒曝光拜访宋需更直尊敬！暂我们维指拖郑重材料己符采救措施赔损既避免"
    "累映目使披声问题给鉴着平诚则含动再占载随变形恢复争届亦心希望沟包括把从充比司郵便统社罗马尼亚划"
    "亡企升宣序待戳批死破策终遗醒伙姐审缴若退适递＿０１５７"
)

# What case data brings: the commonest surnames, given-name and address characters.
# Only their glyph order depends on this list (all of GB2312 is in the font anyway).
COMMON_CHARACTERS = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严覃武戴莫孔向汤欧阳司上官诸葛"
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉玉萍红娥玲芬燕彬鹏飞浩宇轩子涵欣怡"
    "梓晨佳琪雨婷思嘉俊博志宏海波峰斌新春梅凤琳丹亮晶莉雪慧颖倩洁婧瑶璐萌露蕾薇健东成德福荣祥瑞云"
    "鑫鹤小晓丽永庆忠义胜利晓亚楠欢乐宁安康泽然诗语梦婉清蓉芸菲莹琳珊琴凯旭阳晖帆航毅"
    "省市区县镇乡村街道路号楼栋单元室院小区花园大厦广场弄巷里幢层座期苑府城门口桥湾岛山湖河园"
    "北京上海天津重庆河北山西辽宁吉林黑龙江苏浙安徽福建西东南湖广海四川贵州云陕甘肃青台湾内蒙古"
    "藏夏新疆香港澳哈尔滨长春沈大连石家庄太原呼和浩特济岛杭波合肥厦昌郑武汉沙深圳成都昆拉萨兰宁银"
    "乌鲁木齐中朝淀丰浦徐汇黄静天田鼓楼秦淮越秀白云罗湖龙岗宝安番禺"
    "寓舍苑郡庭轩阁府邸湾畔景星光城汇厦座栋栋幢士股份有限公司集团纠纷贸易科技投资发展实业控股"
    "电子信息网络咨询服务物流餐饮酒店医药建材汽车房地产开发管理教育文化传媒广告装饰工程设计"
    # The most frequent characters of modern written Chinese (approximately in order).
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对"
    "着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面"
    "又定见只主没公从知使意动长把机它理开口点实现全女正想高新本头问身明情已间很重最力给通战外应别"
    "手相样化己内位社比老关第工百提接并次万物性话斯水处电平体系合声四少美义才何象路带五表安原条海"
    "直利先量各期干月加制度世等走界受变信北解候色反克白使果品数场非权教民光气立近更亲常代儿管结特"
    "什真由石难住群回计影边风连件马收空记文强志几即再命导究区报较算思观及眼听叫据统委德府调金改共"
    "深任南专研神取务交集争领保每号院确市办形术转切运完土认技造基清华该须求放决往流张布片九根病器"
    "快议族料越示持东目历包治联阶织花传京查众准习装西况红型低至需王象八六七份图花极落产部员何级"
    "但口称务认早元且则条队拉品色热单音官格史精友复具书济阳医步达约周际照易速费活整称商感术争视"
    "青断素随友母息拿病职请传深值住状态轻黑喜消像维护爱留血保选责温投标推众环存钱座双价续福备兴"
    "类效统支积派规另银确居紧况证服严士装星令益织仅境负够跟福房客注营球参增需谈费式既欢兰列章围"
)

# Besides GB2312: Latin for names and IBANs, punctuation, currency, enclosed numbers,
# check boxes (□ ☑), CJK punctuation and full-width forms.
_EXTRA_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0100, 0x017F), (0x2000, 0x206F),
    (0x20A0, 0x20BF), (0x2100, 0x218F), (0x2190, 0x21FF), (0x2460, 0x24FF),
    (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF),
    (0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
)

# GSUB/GPOS features kept (horizontal text only; no locl/vert, whose closures pull in
# thousands of JP/KR/vertical alternates).
_LAYOUT_FEATURES = ["kern", "liga", "clig", "calt", "ccmp", "mark", "mkmk", "rlig", "rvrn",
                    "ltra", "ltrm"]

_FIRST_RANGES = ((0x0020, 0x007E), (0x00A0, 0x017F), (0x2000, 0x206F), (0x3000, 0x303F),
                 (0xFF00, 0xFFEF))

_build_lock = threading.Lock()


@cache
def gb2312_characters() -> str:
    """All characters of GB2312 (symbols, level-1 and level-2 hanzi), in GB2312 order.

    >>> s = gb2312_characters(); len(s), s[s.index("啊")] , "堃" in s
    (7445, '啊', False)
    """
    out: list[str] = []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


@cache
def subset_characters() -> frozenset[str]:
    """Every character the generated fonts cover (if the source face has it)."""
    chars = set(gb2312_characters()) | set(TEMPLATE_CHARACTERS) | set(COMMON_CHARACTERS)
    for first, last in _EXTRA_RANGES:
        chars.update(chr(c) for c in range(first, last + 1))
    return frozenset(chars)


def _priority_characters() -> list[str]:
    """Characters in glyph-id order: the earlier a character, the smaller its glyph id."""
    first = [chr(c) for a, b in _FIRST_RANGES for c in range(a, b + 1)]
    return list(dict.fromkeys([*first, *TEMPLATE_CHARACTERS, *COMMON_CHARACTERS,
                               *gb2312_characters()]))


def spec_for_name(name: str) -> FontSpec | None:
    """The generated font a file name stands for, or None."""
    return next((s for s in SPECS if s.file == name), None)


def cache_dir() -> Path:
    """Where built fonts are kept: ``$NOTICE_FACTORY_FONT_CACHE`` or the user cache dir."""
    env = environment().font_cache
    if env:
        return env
    import platformdirs  # only when a font is actually needed

    return Path(platformdirs.user_cache_dir("notice-factory")) / "fonts"


def find_system_face(face: str) -> tuple[Path, int]:
    """The file and collection index of the installed face whose full name is ``face``."""
    if shutil.which("fc-list") is None:
        raise RenderError(f"cannot look for the font {face!r}: fontconfig's fc-list is missing")
    family = face.removesuffix(" Bold")
    out = subprocess.run(["fc-list", "-f", "%{file}\t%{index}\t%{fullname}\n", family],
                         capture_output=True, text=True, check=False).stdout
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) == 3 and face in (n.strip() for n in parts[2].split(",")):
            return Path(parts[0]), int(parts[1] or 0)
    raise RenderError(f"the font {face!r} is not installed (Debian package fonts-noto-cjk)")


def _cache_key(spec: FontSpec, source: Path, index: int) -> str:
    st = source.stat()
    recipe = "|".join((BUILD_VERSION, spec.file, spec.face, str(source), str(index),
                       str(st.st_size), str(st.st_mtime_ns), "".join(_priority_characters()),
                       ",".join(_LAYOUT_FEATURES)))
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def cached_path(spec: FontSpec) -> Path:
    """Where the cache keeps ``spec`` built from the font installed today."""
    source, index = find_system_face(spec.face)
    stem = spec.file.rsplit(".", 1)[0]
    return cache_dir() / f"{stem}-{_cache_key(spec, source, index)}.otf"


def build_font(spec: FontSpec) -> bytes:
    """Cut, reorder and rename one face; returns the OpenType (CFF) font bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source, index = find_system_face(spec.face)
    # Read from bytes: a font opened on its path keeps the file open until collected.
    font = TTFont(io.BytesIO(Path(source).read_bytes()), fontNumber=index,
                  recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = list(_LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # print only; CFF hints are a third of the outlines
    # Letters are set horizontally: vertical metrics would be embedded in every letter.
    options.drop_tables = [*options.drop_tables, "vhea", "vmtx", "VORG"]
    options.desubroutinize = False  # subroutines keep the file small; WeasyPrint flattens
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in subset_characters()))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    # Reload so that every table is decompiled against the subset's glyph order before
    # the order changes.
    font = TTFont(io.BytesIO(buf.getvalue()), lazy=False, recalcTimestamp=False,
                  recalcBBoxes=False)  # bounds are already right; names change below
    font.ensureDecompiled()
    _reorder_glyphs(font, _glyph_priority(font))
    _rename(font, spec)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _glyph_priority(font: Any) -> list[str]:
    """The subset's glyph names in the wanted order (.notdef first, each name once)."""
    cmap: dict[int, str] = font.getBestCmap()
    order: dict[str, None] = {".notdef": None}
    chars = _priority_characters()
    first_count = sum(b - a + 1 for a, b in _FIRST_RANGES)
    for ch in chars[:first_count]:
        if ord(ch) in cmap:
            order[cmap[ord(ch)]] = None
    # Glyphs reached only through GSUB (ligatures, composed forms) come next: a letter
    # that uses one must not pay for thousands of slots.
    mapped = set(cmap.values())
    for name in font.getGlyphOrder():
        if name not in mapped:
            order[name] = None
    for ch in chars[first_count:]:
        if ord(ch) in cmap:
            order[cmap[ord(ch)]] = None
    for name in font.getGlyphOrder():
        order[name] = None
    return list(order)


def _reorder_glyphs(font: Any, order: list[str]) -> None:
    """Give the glyphs ``order``'s ids and make every CID equal its new glyph id.

    fontTools' ``reorderGlyphs`` renumbers the tables that refer to glyphs by name and
    re-sorts the layout tables' coverages (with their parallel arrays). The CFF table
    carries its own order (charset, CharStrings INDEX, FDSelect): that is permuted here,
    and its glyph names become ``cidNNNNN`` with NNNNN the new glyph id.
    """
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    if order[0] != ".notdef":
        raise ValueError("the new glyph order must start with .notdef")
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        raise ValueError("expected a CID-keyed CFF font (Noto CJK)")
    charstrings = top.CharStrings
    for name in top.charset:  # load every charstring before the INDEX is rebuilt
        charstrings.getItemAndSelector(name)
    csi = charstrings.charStringsIndex
    items = [csi.items[charstrings.charStrings[name]] for name in order]
    position = {name: i for i, name in enumerate(top.charset)}
    fd_select = getattr(top, "FDSelect", None)
    fd_array = [fd_select.gidArray[position[name]] for name in order] if fd_select else []

    reorderGlyphs(font, order)  # checks that ``order`` is a permutation

    csi.items = items
    for attr in ("file", "offsets"):
        if hasattr(csi, attr):
            delattr(csi, attr)
    new_names = [".notdef"] + [f"cid{i:05d}" for i in range(1, len(order))]
    charstrings.charStrings = {name: i for i, name in enumerate(new_names)}
    if fd_select is not None:
        fd_select.gidArray = fd_array
        fd_select.format = None
    top.charset = new_names
    top.numGlyphs = len(new_names)


def _rename(font: Any, spec: FontSpec) -> None:
    """New family and PostScript names (OFL: a modified font does not keep the name)."""
    name_table = font["name"]
    style = "Bold" if spec.bold else "Regular"
    full = f"{spec.family} {style}" if spec.bold else spec.family
    values = {1: spec.family if not spec.bold else f"{spec.family} Bold", 2: style,
              3: f"{BUILD_VERSION};{spec.postscript}", 4: full, 6: spec.postscript,
              16: spec.family, 17: style}
    for record in list(name_table.names):
        if record.nameID in values:
            name_table.setName(values[record.nameID], record.nameID, record.platformID,
                               record.platEncID, record.langID)
    cff = font["CFF "].cff
    cff.fontNames = [spec.postscript]
    top = cff.topDictIndex[0]
    for fd in getattr(top, "FDArray", []):
        if hasattr(fd, "FontName"):
            fd.FontName = f"{spec.postscript}-{fd.FontName.rsplit('-', 1)[-1]}"
    top.FullName = full
    top.FamilyName = spec.family


def ensure_font(spec: FontSpec, templates_root: Path | None = None) -> Path:
    """The path of the generated font ``spec``, building it into the cache if needed.

    A copy in ``<templates_root>/_fonts/`` (placed there by an installer) is used as is.
    """
    if templates_root is not None:
        in_tree = templates_root / FONTS_FOLDER / spec.file
        if in_tree.is_file():
            return in_tree
    target = cached_path(spec)
    if target.is_file():
        return target
    with _build_lock:
        if not target.is_file():
            try:
                atomic_write_bytes(target, build_font(spec))
            except OSError as exc:
                raise RenderError(f"cannot write the font {target}: {exc}") from exc
    return target


def generated_font_path(path: Path, roots: Iterable[Path]) -> Path | None:
    """If ``path`` is ``<root>/_fonts/<generated font>`` for one of ``roots``, the real file.

    The fetcher calls this for every file it serves: a stylesheet asks for
    ``../_fonts/NoticeSerifSC-Regular.otf`` and gets the cached build.

    >>> generated_font_path(Path("/t/zh/letter.css"), [Path("/t")]) is None
    True
    """
    spec = spec_for_name(path.name)
    if spec is None or path.parent.name != FONTS_FOLDER:
        return None
    for root in roots:
        if path.parent == root / FONTS_FOLDER:
            return ensure_font(spec, root)
    return None


def build_office_font(spec: OfficeFontSpec) -> bytes:
    """The cut face ``spec.source`` with TrueType outlines, for LibreOffice.

    Same characters and glyph order as the CFF cut (built first if needed); outlines
    converted to quadratic curves, everything scaled to :data:`OFFICE_UPEM` (kerning and
    vertical metrics too), no hinting (print only), new names.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(io.BytesIO(ensure_font(spec.source).read_bytes()), recalcTimestamp=False)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    upem = font["head"].unitsPerEm
    # Converted at the source's size with the tolerance it will have after scaling;
    # scale_upem then rounds the quadratic points once.
    max_err = OFFICE_MAX_ERR * upem / OFFICE_UPEM
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:  # vertical origins are a CFF-only table
        del font["VORG"]
    hmtx = font["hmtx"].metrics
    for name, glyph in glyphs.items():  # TrueType wants lsb == xMin
        glyph.recalcBounds(glyf)
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 3.0  # no glyph names: the cut's cidNNNNN names say nothing
    post.extraNames, post.mapping = [], {}
    font.sfntVersion = "\0\1\0\0"
    buf = io.BytesIO()
    font.save(buf)
    font = TTFont(io.BytesIO(buf.getvalue()), recalcTimestamp=False)
    scale_upem(font, OFFICE_UPEM)
    _rename_office(font, spec)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# Name records an embedded subset keeps: names, version, copyright, licence (OFL: a copy
# carries its notice and licence); designer, vendor and URLs would cost ~1 KB a subset.
_OFFICE_NAME_IDS = {0, 1, 2, 3, 4, 5, 6, 13, 14}


def _rename_office(font: Any, spec: OfficeFontSpec) -> None:
    """Family ``spec.family`` with plain Regular/Bold styles, so that fontconfig and
    LibreOffice pick the bold face for bold text (no typographic family names)."""
    style = "Bold" if spec.source.bold else "Regular"
    values = {1: spec.family, 2: style, 3: f"{OFFICE_BUILD_VERSION};{spec.postscript}",
              4: f"{spec.family} Bold" if spec.source.bold else spec.family,
              6: spec.postscript}
    table = font["name"]
    table.names = [r for r in table.names if r.nameID in _OFFICE_NAME_IDS]
    for record in table.names:
        if record.nameID in values:
            table.setName(values[record.nameID], record.nameID, record.platformID,
                          record.platEncID, record.langID)


def office_font_names() -> dict[str, str]:
    """System family named by the Word templates -> family of its TrueType cut.

    >>> office_font_names()["Noto Serif CJK SC"]
    'Notice Serif SC Office'
    """
    return {spec.system: spec.family for spec in OFFICE_SPECS}


def office_fonts_dir() -> Path:
    """The cache folder that holds the office fonts built from the fonts installed today
    (its name changes with the sources and the recipe, so a stale build is never seen)."""
    recipe = "|".join([OFFICE_BUILD_VERSION, str(OFFICE_UPEM), str(OFFICE_MAX_ERR),
                       *(cached_path(spec.source).name for spec in OFFICE_SPECS)])
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    return cache_dir() / f"office-{key}"


def ensure_office_fonts() -> Path:
    """The folder of the office fonts (its ``fonts`` subfolder holds the .ttf files),
    building what is missing. Safe to call from several processes at once."""
    import fcntl

    folder = office_fonts_dir()
    fonts_dir = folder / "fonts"
    if all((fonts_dir / spec.file).is_file() for spec in OFFICE_SPECS):
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # One builder at a time across processes: every warm worker starts an office.
        with _build_lock, open(folder / ".lock", "wb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for spec in OFFICE_SPECS:
                target = fonts_dir / spec.file
                if not target.is_file():
                    atomic_write_bytes(target, build_office_font(spec))
    except OSError as exc:
        raise RenderError(f"cannot write the office fonts in {folder}: {exc}") from exc
    return folder


def system_fontconfig() -> Path | None:
    """The fontconfig configuration the system uses (``$FONTCONFIG_FILE`` or the usual one)."""
    env = os.environ.get("FONTCONFIG_FILE")
    if env:
        return Path(env)
    candidates = ("/etc/fonts/fonts.conf", "/usr/local/etc/fonts/fonts.conf",
                  "/opt/homebrew/etc/fonts/fonts.conf")
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def fontconfig_text(folder: Path, system: Path) -> str:
    """A fontconfig file: the system configuration, plus the office fonts of ``folder``.

    Each cut family falls back to its system face, so a character outside the cut
    (a rare name character) is drawn from the full Noto CJK face, not from any font
    that happens to have it. ``<accept>`` (inserted right after the cut family), after
    the system rules: as a ``<default>`` it came after the Sans face the system's zh-cn
    rules put before the generic family, and a serif letter got sans rare characters.

    >>> text = fontconfig_text(Path("/c/office-1"), Path("/etc/fonts/fonts.conf"))
    >>> "<dir>/c/office-1/fonts</dir>" in text, "<family>Noto Serif CJK SC</family>" in text
    (True, True)
    """
    from xml.sax.saxutils import escape

    aliases = "".join(
        f"  <alias binding=\"same\"><family>{escape(spec.family)}</family>"
        f"<accept><family>{escape(spec.system)}</family></accept></alias>\n"
        for spec in OFFICE_SPECS if not spec.source.bold)
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<fontconfig>\n"
            f'  <include ignore_missing="yes">{escape(str(system))}</include>\n'
            f"  <dir>{escape(str(folder / 'fonts'))}</dir>\n"
            # Used when the system's cache dirs are not writable: scan the fonts once.
            f"  <cachedir>{escape(str(folder / 'fc-cache'))}</cachedir>\n"
            f"{aliases}</fontconfig>\n")


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Coverage:
    """The characters an installed font family maps (its cmap), as sorted runs of code points.

    >>> cov = Coverage("Demo", (0x20, 0x4E00), (0x7E, 0x4E01))
    >>> "A" in cov, "丁" in cov, "ส" in cov
    (True, True, False)
    """

    family: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, ch: object) -> bool:
        if not isinstance(ch, str) or len(ch) != 1:
            return False
        i = bisect.bisect_right(self.starts, ord(ch)) - 1
        return i >= 0 and ord(ch) <= self.ends[i]

    @classmethod
    def of(cls, family: str, codes: Iterable[int]) -> Coverage:
        starts: list[int] = []
        ends: list[int] = []
        for code in sorted(set(codes)):
            if ends and code == ends[-1] + 1:
                ends[-1] = code
            else:
                starts.append(code)
                ends.append(code)
        return cls(family, tuple(starts), tuple(ends))


def _family_face(family: str) -> tuple[Path, int]:
    """The file and collection index of ``family``'s regular face (fontconfig)."""
    if shutil.which("fc-list") is None:
        raise RenderError(f"cannot look for the font {family!r}: fontconfig's fc-list is "
                          "missing (apt-get install fontconfig)")
    out = subprocess.run(["fc-list", "-f", "%{file}\t%{index}\t%{style}\n", family],
                         capture_output=True, text=True, check=False).stdout
    faces = sorted(line.split("\t") for line in out.splitlines() if line.count("\t") == 2)
    if not faces:
        raise RenderError(f"the font {family!r} the templates use is not installed on this "
                          "machine; install it (scripts/install.sh lists the font packages)")
    regular = [f for f in faces if any(s.strip() in ("Regular", "Book", "Normal")
                                       for s in f[2].split(","))]
    path, index, _ = (regular or faces)[0]
    return Path(path), int(index or 0)


@cache
def family_coverage(family: str) -> Coverage:
    """What ``family`` can print: read from its regular face's cmap (fontTools), kept in the
    font cache (keyed by the file, its size and time) so that a batch pays ~1 ms, not the
    ~0.5 s Noto CJK's cmap takes to read."""
    path, index = _family_face(family)
    st = path.stat()
    key = hashlib.sha256(f"{path}|{index}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    cached = cache_dir() / f"coverage-{key[:24]}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(cached.read_text("utf-8"))
        return Coverage(family, tuple(data["starts"]), tuple(data["ends"]))
    from fontTools.ttLib import TTFont  # only when a face was never read here

    with TTFont(str(path), fontNumber=index, lazy=True) as font:
        coverage = Coverage.of(family, font.getBestCmap() or {})
    with contextlib.suppress(OSError):  # a read-only cache only costs time
        atomic_write_text(cached, json.dumps({"family": family, "file": str(path),
                                              "starts": coverage.starts, "ends": coverage.ends}))
    return coverage


def unprintable(text: str, families: Iterable[str]) -> str | None:
    """The first character of ``text`` none of ``families`` can print (spaces aside), or None.

    A letter prints only in the fonts its template names: a character outside them would be
    drawn as an empty box, or from whatever font the machine happens to have.
    """
    key = tuple(families)
    known = _PRINTABLE.setdefault(key, set())
    new = set(text) - known
    if not new:  # the usual case in a batch: every character already seen in a letter
        return None
    coverages = [family_coverage(f) for f in key]
    for ch in text:
        if ch in new and not ch.isspace() and not any(ch in c for c in coverages):
            return ch
    known |= new
    return None


# Characters found printable, per tuple of families: a batch checks a dozen fields of every
# case (13,600 strings for 2,000 letters), mostly in the same few hundred characters.
_PRINTABLE: dict[tuple[str, ...], set[str]] = {}


def build_all(templates_root: Path | None = None) -> list[Path]:
    """Build (or find) every generated font, office fonts included; returns their paths."""
    built = [ensure_font(spec, templates_root) for spec in SPECS]
    folder = ensure_office_fonts() / "fonts"
    return built + [folder / spec.file for spec in OFFICE_SPECS]


def main(argv: list[str] | None = None) -> int:
    """``python -m notice_factory.fonts``: build the Chinese fonts (install step)."""
    del argv
    try:
        for path in build_all():
            print(f"{path} ({path.stat().st_size // 1024} KB)")
    except RenderError as exc:
        print(f"notice_factory fonts: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
