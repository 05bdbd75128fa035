"""A Word template without the styles it never uses, as LibreOffice gets it.

A .docx made by python-docx (or saved by Word) carries every built-in style: the six
bundled templates hold 168 styles and 137 latent-style entries in ``styles.xml`` (350 KB)
and their copy with Word 2010 effects, ``stylesWithEffects.xml`` (440 KB), while a letter
uses about fifteen. LibreOffice parses and imports all of them for every letter it converts.
:func:`slim_docx` keeps what a reader can see: the document defaults, the default style of
each type, every style a part of the document names (paragraphs, runs, tables, numbering)
and the styles those are based on, linked to or followed by. Dropped: the other styles, the
latent-style list (Word's menu of built-in styles it has not written out), and
``stylesWithEffects.xml`` (Word 2010's own copy, which Word rewrites when it opens the file
and LibreOffice does not read).

:class:`~notice_factory.render.docx.DocxEngine` slims each template once, when it first
reads it, so the file the legal team edits in Word stays as Word saved it and every letter
is filled from the slim copy. ``bench/word.py --compare`` and ``tests/test_docx_slim.py``
show the PDFs unchanged, page by page, to the pixel.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_DOCUMENT_RELS = "word/_rels/document.xml.rels"
_STYLES = "word/styles.xml"
#: Elements whose ``w:val`` names a style, in the document's parts (settings.xml included:
#: the default table style Word applies to tables that name none); and in styles.xml what a
#: style is based on, its linked style, the style of the next paragraph.
_STYLE_REFS = {f"{_W}{n}" for n in ("pStyle", "rStyle", "tblStyle", "numStyleLink",
                                    "styleLink", "defaultTableStyle", "clickAndTypeStyle")}
_STYLE_CHAIN = {f"{_W}{n}" for n in ("basedOn", "link", "next")}


def slim_docx(data: bytes) -> bytes:
    """``data`` (a .docx) with only the styles its parts use; unchanged if it has no styles.

    >>> slim = slim_docx(_demo())
    >>> z = zipfile.ZipFile(io.BytesIO(slim))
    >>> sorted(style_ids(z.read("word/styles.xml")))
    ['Base', 'Normal', 'Used']
    >>> "word/stylesWithEffects.xml" in z.namelist(), b"Effects" in z.read(_DOCUMENT_RELS)
    (False, False)
    >>> slim_docx(slim) == slim
    True
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = src.infolist()
        parts = {info.filename: src.read(info) for info in infos}
    if _STYLES not in parts:
        return data
    dropped = _styles_with_effects(parts)
    styles = _slim_styles(parts[_STYLES], _used_styles(parts, dropped))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            name = info.filename
            if name in dropped:
                continue
            body = parts[name]
            if name == _STYLES:
                body = styles
            elif dropped and name == _DOCUMENT_RELS:
                body = _without_relationship(body, _STYLES_WITH_EFFECTS)
            elif dropped and name == "[Content_Types].xml":
                body = _without_overrides(body, dropped)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def style_ids(styles_xml: bytes) -> set[str]:
    """The ids of the styles a ``styles.xml`` defines."""
    root = etree.fromstring(styles_xml)
    return {s.get(f"{_W}styleId", "") for s in root.iter(f"{_W}style")}


def _styles_with_effects(parts: dict[str, bytes]) -> set[str]:
    """The part names of Word 2010's styles copy (targets of its relationship)."""
    rels = parts.get(_DOCUMENT_RELS)
    if rels is None:
        return set()
    root = etree.fromstring(rels)
    return {posixpath.normpath(posixpath.join("word", r.get("Target", "")))
            for r in root.iter(f"{_REL}Relationship")
            if r.get("Type") == _STYLES_WITH_EFFECTS and r.get("TargetMode") != "External"}


def _used_styles(parts: dict[str, bytes], dropped: set[str]) -> set[str]:
    """Style ids named by the XML parts of ``word/`` (styles.xml aside)."""
    used: set[str] = set()
    for name, body in parts.items():
        if (not name.startswith("word/") or not name.endswith(".xml") or name == _STYLES
                or name in dropped):
            continue
        root = etree.fromstring(body)
        used.update(e.get(f"{_W}val", "") for e in root.iter(*_STYLE_REFS))
    return used


def _slim_styles(xml: bytes, used: set[str]) -> bytes:
    root = etree.fromstring(xml)
    styles = {s.get(f"{_W}styleId", ""): s for s in root.iter(f"{_W}style")}
    keep = {sid for sid, s in styles.items() if s.get(f"{_W}default") in ("1", "true", "on")}
    todo = list(keep | (used & styles.keys()))
    while todo:
        sid = todo.pop()
        keep.add(sid)
        for ref in styles[sid].iter(*(_STYLE_CHAIN | _STYLE_REFS)):
            target = ref.get(f"{_W}val", "")
            if target in styles and target not in keep:
                todo.append(target)
    for sid, style in styles.items():
        if sid not in keep:
            root.remove(style)
    for latent in root.findall(f"{_W}latentStyles"):
        root.remove(latent)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _without_relationship(xml: bytes, rel_type: str) -> bytes:
    root = etree.fromstring(xml)
    for rel in root.findall(f"{_REL}Relationship"):
        if rel.get("Type") == rel_type:
            root.remove(rel)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _without_overrides(xml: bytes, names: set[str]) -> bytes:
    root = etree.fromstring(xml)
    for override in root.findall(f"{_CT}Override"):
        if override.get("PartName", "").lstrip("/") in names:
            root.remove(override)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _demo() -> bytes:
    """A tiny .docx: styles Normal (default), Used (based on Base), Base, Unused."""
    w = _W[1:-1]
    styles = (f'<w:styles xmlns:w="{w}"><w:latentStyles/>'
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"/>'
              '<w:style w:type="paragraph" w:styleId="Used"><w:basedOn w:val="Base"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Base"/>'
              '<w:style w:type="paragraph" w:styleId="Unused"/></w:styles>')
    document = (f'<w:document xmlns:w="{w}"><w:body><w:p><w:pPr><w:pStyle w:val="Used"/>'
                "</w:pPr></w:p></w:body></w:document>")
    rels = (f'<Relationships xmlns="{_REL[1:-1]}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId2" Type="{_STYLES_WITH_EFFECTS}" '
            'Target="stylesWithEffects.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", document)
        z.writestr(_STYLES, styles)
        z.writestr("word/stylesWithEffects.xml", styles)
        z.writestr(_DOCUMENT_RELS, rels)
    return out.getvalue()
