"""Postal codes and window-envelope layout, per destination country."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory.address import (
    MAX_LINES,
    MAX_LINES_ABROAD,
    MAX_WIDTH,
    _width,
    layout_address,
    postal_code_problem,
)
from notice_factory.errors import CaseError
from notice_factory.model import Locale
from notice_factory.settings import DEFAULT_WINDOWS
from notice_factory.window import address_problem


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("FR", "75011"), ("FR", "01000"), ("FR", "20000"), ("FR", "97400"),
        ("FR", "97133"), ("FR", "98800"),
        ("RO", "010011"), ("CN", "100022"), ("BE", "1000"), ("DE", "10115"),
        ("ES", "28001"), ("IT", "00184"), ("NL", "1012 AB"), ("NL", "1012ab"),
        ("PT", "1100-148"), ("GB", "SW1A 1AA"), ("GB", "m1 1ae"), ("US", "10001"),
        ("US", "10001-1234"), ("CH", "8001"), ("JP", "100-0001"), ("CA", "K1A 0B1"),
        ("fr", "75011"), ("FR", " 75011 "),
    ],
)
def test_valid_postal_codes(country: str, code: str) -> None:
    assert postal_code_problem(country, code) is None


@pytest.mark.parametrize(
    ("country", "code", "message"),
    [
        ("FR", "7501", "'7501' is not a French postal code: it must have 5 digits"),
        ("FR", "750111", "'750111' is not a French postal code: it must have 5 digits"),
        ("FR", "7501A", "'7501A' is not a French postal code: it must have 5 digits"),
        ("FR", "00100", "department number"),
        ("FR", "96000", "department number"),
        ("FR", "99000", "department number"),
        ("RO", "01001", "'01001' is not a Romanian postal code: it must have 6 digits"),
        ("CN", "10002", "'10002' is not a Chinese postal code: it must have 6 digits"),
        ("BE", "0999", "Belgian"),
        ("ES", "53001", "Spanish"),
        ("PT", "1100148", "Portuguese"),
        ("GB", "12345", "British"),
        ("US", "1000", "ZIP"),
        ("JP", "!", "2 to 10 letters"),
        ("JP", "12345678901", "2 to 10 letters"),
        ("JP", "--", "2 to 10 letters"),
    ],
)
def test_invalid_postal_codes(country: str, code: str, message: str) -> None:
    problem = postal_code_problem(country, code)
    assert problem is not None
    assert message in problem


def layout(**changes: Any) -> list[str]:
    fields: dict[str, Any] = {
        "name": "Jean Dupont", "title": "M.", "line1": "12 rue de la Roquette",
        "line2": None, "postal_code": "75011", "city": "Paris", "region": None,
        "country": "FR", "sender_country": "FR", "locale": Locale.FR_FR,
    }
    fields.update(changes)
    return layout_address(**fields)


def test_france_afnor_order() -> None:
    assert layout(line2="Appartement 12, 3e étage") == [
        "M. Jean Dupont", "Appartement 12, 3e étage", "12 rue de la Roquette", "75011 PARIS",
    ]


@pytest.mark.parametrize("line2", ["B.P. 412", "BP412", "bp 412", "B P 412", "Boîte postale 412"])
def test_france_po_box_in_any_spelling_goes_below_the_street(line2: str) -> None:
    assert layout(line2=line2) == ["M. Jean Dupont", "12 rue de la Roquette", "BP 412",
                                   "75011 PARIS"]


@pytest.mark.parametrize(("line2", "printed"), [
    ("CS 30012", "CS 30012"), ("T.S.A. 70011", "TSA 70011"), ("Lieu-dit Les Rivaux",
                                                             "LIEU-DIT Les Rivaux"),
    ("lieu dit La Combe", "LIEU-DIT La Combe")])
def test_france_cs_tsa_and_lieu_dit_go_below_the_street(line2: str, printed: str) -> None:
    assert layout(line2=line2) == ["M. Jean Dupont", "12 rue de la Roquette", printed,
                                   "75011 PARIS"]


def test_france_lieu_dit_given_first_is_put_under_the_street() -> None:
    assert layout(line1="Lieu-dit Le Moulin", line2="3 chemin des Vignes") == [
        "M. Jean Dupont", "3 chemin des Vignes", "LIEU-DIT Le Moulin", "75011 PARIS"]


def test_france_lines_four_to_six_have_no_punctuation() -> None:
    lines = layout(line1="12, rue de l'Église.", line2="B.P. 7, Cedex", city="St. Malo",
                   postal_code="35400", name="Jean Dupont, fils")
    assert lines == ["M. Jean Dupont, fils", "12 rue de l'Église", "BP 7 Cedex",
                     "35400 ST MALO"]
    for line in lines[1:]:
        assert not set(line) & set(".,;:!?"), line


@pytest.mark.parametrize("code", ["97700", "97800", "97900", "96100", "00100"])
def test_unallocated_french_postal_codes_are_refused(code: str) -> None:
    problem = postal_code_problem("FR", code)
    assert problem and "is not a French postal code" in problem


def test_monaco_is_not_france() -> None:
    with pytest.raises(CaseError) as err:
        layout(postal_code="98000", city="Monaco")
    assert err.value.field == "postal_code" and "set the country to MC" in err.value.message
    assert layout(postal_code="98000", city="Monaco", country="MC")[-2:] == [
        "98000 MONACO", "MONACO"]


@pytest.mark.parametrize(("city", "region"), [("Iași", "Iași"), ("Cluj-Napoca", "Cluj"),
                                              ("Brașov", "Brașov"), ("Constanța", "Constanța")])
def test_romanian_county_town_keeps_its_judet_line(city: str, region: str) -> None:
    lines = layout(name="Ion Pop", title="Dl.", line1="Str. Mare nr. 3", postal_code="700063",
                   city=city, region=region, country="RO", sender_country="RO",
                   locale=Locale.RO_RO)
    assert lines[-2:] == [f"700063 {city}", f"Județul {region}"]


def test_bucharest_has_no_judet_line() -> None:
    lines = layout(name="Ion Pop", title="Dl.", line1="Str. Mare nr. 3", postal_code="010011",
                   city="București", region="București", country="RO", sender_country="RO",
                   locale=Locale.RO_RO)
    assert lines[-1] == "010011 București"


SEVEN = {"name": "Jean Dupont", "line1": "10 Downing Street",
         "line2": "Flat 3, Whitehall Court Residences, Westminster Estate North",
         "postal_code": "SW1A 2AA", "city": "London"}


def test_international_item_may_take_seven_lines() -> None:
    assert layout(**SEVEN, country="GB") == [
        "M. Jean Dupont", "10 Downing Street", "Flat 3, Whitehall Court Residences",
        "Westminster Estate North", "LONDON", "SW1A 2AA", "ROYAUME-UNI"]
    assert MAX_LINES_ABROAD == 7


def test_domestic_item_stays_at_six_lines() -> None:
    seven_at_home = dict(SEVEN, line2="Flat 3, Whitehall Court Residences, Westminster Estate "
                         "North, Second Floor Wing")
    with pytest.raises(CaseError) as err:
        layout(**seven_at_home, country="GB", sender_country="GB")
    assert "needs 7 lines; the window allows 6" in err.value.message


def test_france_po_box_goes_after_the_street() -> None:
    assert layout(line2="BP 40123", city="Lyon", postal_code="69001") == [
        "M. Jean Dupont", "12 rue de la Roquette", "BP 40123", "69001 LYON",
    ]


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("Saint-Étienne", "42000 SAINT ETIENNE"),
        ("L'Haÿ-les-Roses", "42000 L HAY LES ROSES"),
        ("Œuilly", "42000 OEUILLY"),
        ("Paris Cedex 11", "42000 PARIS CEDEX 11"),
    ],
)
def test_france_last_line_is_la_poste_routing_form(city: str, expected: str) -> None:
    assert layout(city=city, postal_code="42000")[-1] == expected


def test_france_town_of_punctuation_only_is_refused() -> None:
    # Found by the property test below: "75011 " (an empty routing name) was printed.
    with pytest.raises(CaseError) as err:
        layout(name="Jean Dupont", line1="12 rue de la Paix", city=":", postal_code="75011",
               country="FR")
    assert err.value.field == "city" and "no letter" in str(err.value)


def test_france_without_title_and_region_is_ignored() -> None:
    assert layout(title=None, region="Île-de-France") == [
        "Jean Dupont", "12 rue de la Roquette", "75011 PARIS",
    ]


def test_romania_domestic() -> None:
    lines = layout(
        name="Ion Popescu", title="Dl.", line1="Str. Memorandumului nr. 28, ap. 4",
        line2="Bl. C3, sc. 1, et. 2", postal_code="400114", city="Cluj-Napoca",
        region="Cluj", country="RO", sender_country="RO", locale=Locale.RO_RO,
    )
    assert lines == [
        "Dl. Ion Popescu", "Str. Memorandumului nr. 28, ap. 4", "Bl. C3, sc. 1, et. 2",
        "400114 Cluj-Napoca", "Județul Cluj",
    ]


def test_romania_bucharest_sector_and_cedilla_normalised() -> None:
    lines = layout(
        name="Ştefan Ţuţea", title="Dl.", line1="Bd. Unirii nr. 1", postal_code="030167",
        city="Bucureşti", region="Sector 3", country="RO", sender_country="RO",
        locale=Locale.RO_RO,
    )
    assert lines == ["Dl. Ștefan Țuțea", "Bd. Unirii nr. 1", "030167 București", "Sector 3"]


def test_romania_region_already_qualified() -> None:
    lines = layout(country="RO", postal_code="400001", city="Cluj-Napoca",
                   region="Județul Cluj", sender_country="RO", locale=Locale.RO_RO)
    assert lines[-1] == "Județul Cluj"


def test_china_in_chinese_is_big_to_small_with_recipient_last() -> None:
    lines = layout(
        name="张伟", title="先生", line1="建国路88号", line2="SOHO现代城5号楼1203室",
        postal_code="100022", city="朝阳区", region="北京市", country="CN",
        sender_country="CN", locale=Locale.ZH_CN,
    )
    assert lines == ["100022", "北京市朝阳区", "建国路88号", "SOHO现代城5号楼1203室", "张伟 先生"]


def test_china_region_not_repeated() -> None:
    lines = layout(name="李娜", title=None, line1="人民路1号", postal_code="518000",
                   city="广东省深圳市", region="广东省", country="CN",
                   sender_country="CN", locale=Locale.ZH_CN)
    assert lines == ["518000", "广东省深圳市", "人民路1号", "李娜"]


def test_china_long_street_wraps_between_characters_not_inside_numbers() -> None:
    street = "南山区科技园南区高新南七道深圳软件产业基地1栋A座12楼1203室"
    lines = layout(name="王芳", title="女士", line1=street, postal_code="518000",
                   city="深圳市", region="广东省", country="CN", sender_country="CN",
                   locale=Locale.ZH_CN)
    assert lines[0] == "518000" and lines[-1] == "王芳 女士"
    assert "".join(lines[2:-1]) == street
    assert all(_width(line) <= MAX_WIDTH for line in lines)
    assert not any(line.startswith(("203", "03", "3室")) for line in lines)


def test_chinese_characters_count_double() -> None:
    too_wide = "北" * 20  # 40 columns: the name continues on the next line after 19 characters
    lines = layout(name=too_wide, title=None, line1="人民路1号", postal_code="100022",
                   city="北京市", region=None, country="CN", sender_country="CN",
                   locale=Locale.ZH_CN)
    assert lines[-2:] == ["北" * 19, "北"]
    with pytest.raises(CaseError) as err:  # a street in France is never split: refused
        layout(name="Li Wei", title=None, line1="北" * 20, postal_code="75001", city="Paris",
               region=None, country="FR", sender_country="FR", locale=Locale.FR_FR)
    assert err.value.field == "address_line1"
    assert "40 columns" in err.value.message


def test_a_long_name_continues_on_the_next_line_only_when_the_block_fits() -> None:
    name = "Transports Frigorifiques du Rhône et Fils SAS"
    lines = layout(name=name, title=None, line1="12 rue de la Gare", postal_code="69007",
                   city="Lyon", region=None, country="FR", sender_country="FR",
                   locale=Locale.FR_FR)
    assert lines[:2] == ["Transports Frigorifiques du Rhône et", "Fils SAS"]
    # 7 lines to Romania: allowed abroad by the layout, but the default DL window shows 6, so
    # the batch refuses it before numbering (window.address_problem).
    abroad = layout(name=name, title=None, line1="Str. Lungă nr. 5", line2="bl. A2 ap. 12",
                    postal_code="400001", city="Cluj-Napoca", region="Cluj", country="RO",
                    sender_country="FR", locale=Locale.FR_FR)
    assert len(abroad) == 7 and abroad[-1] == "ROUMANIE"
    problem = address_problem(abroad, DEFAULT_WINDOWS["DL"])
    assert problem and "needs 7 lines" in problem


def test_cross_border_adds_country_in_sender_language() -> None:
    lines = layout(name="Ana Ionescu", title="Mme", line1="Str. Lungă nr. 5",
                   postal_code="400001", city="Cluj-Napoca", region="Cluj", country="RO")
    assert lines == [
        "Mme Ana Ionescu", "Str. Lungă nr. 5", "400001 Cluj-Napoca", "Județul Cluj", "ROUMANIE",
    ]
    belgium = layout(postal_code="1000", city="Bruxelles", country="BE")
    assert belgium[-2:] == ["1000 BRUXELLES", "BELGIQUE"]


def test_cross_border_from_romania_and_china() -> None:
    from_ro = layout(country="FR", sender_country="RO", locale=Locale.RO_RO)
    assert from_ro[-2:] == ["75011 PARIS", "FRANȚA"]
    from_cn = layout(country="RO", postal_code="010011", city="București",
                     sender_country="CN", locale=Locale.ZH_CN)
    assert from_cn[-2:] == ["010011 București", "罗马尼亚"]


def test_foreign_last_lines() -> None:
    assert layout(country="GB", postal_code="sw1a 1aa", city="London")[-3:] == [
        "LONDON", "SW1A 1AA", "ROYAUME-UNI",
    ]
    assert layout(country="US", postal_code="10001", city="New York", region="NY")[-2:] == [
        "NEW YORK NY 10001", "ÉTATS-UNIS",
    ]
    assert layout(country="CN", postal_code="100022", city="Chaoyang", region="Beijing",
                  name="Zhang Wei", title="M.", line1="88 Jianguo Road")[-2:] == [
        "CHAOYANG, BEIJING 100022", "CHINE",
    ]


def test_long_title_is_shortened_then_dropped() -> None:
    fits = "Marie-Christine Dupont-Lapointe"  # 31: "Madame " + 31 = 38, fits exactly
    assert layout(title="Madame", name=fits)[0] == f"Madame {fits}"
    longer = "Marie-Christine Dupont-Lapointes"  # 32: "Madame " + 32 = 39
    assert layout(title="Madame", name=longer)[0] == f"Mme {longer}"
    longest = "Marie-Christine de La Rochefoucauld"  # 35: even "Mlle " + 35 = 40
    assert layout(title="Mademoiselle", name=longest)[0] == longest
    assert layout(title="Domnul", name=longer, country="RO", postal_code="010011",
                  city="București", sender_country="RO", locale=Locale.RO_RO)[0] == (
        f"Dl. {longer}"
    )


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"name": "Marie-Christine-de-La-Rochefoucauld-Liancourt"}, "debtor_name",  # one word
         "has 45 characters; the window allows 38 (7 too many)"),
        ({"line1": "12 boulevard du Maréchal de Lattre de Tassigny prolongé"}, "address_line1",
         "address line '12 boulevard du Maréchal de Lattre de Tassigny prolongé' has 55"),
        ({"line2": "Résidence des Grands Chênes Centenaires bâtiment B"}, "address_line2",
         "the window allows 38"),
        ({"city": "Saint-Rémy-de-Provence-sur-la-Montagne-Noire"}, "city", "too many"),
        ({"postal_code": "7501"}, "postal_code", "must have 5 digits"),
        ({"country": "XX"}, "country", "'XX' is not a known"),
        ({"line1": "  "}, "address_line1", "empty"),
        ({"name": ""}, "debtor_name", "empty"),
        ({"city": None}, "city", "empty"),
    ],
)
def test_layout_errors_name_the_field(changes: dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(CaseError) as err:
        layout(**changes)
    assert err.value.field == field
    assert text in err.value.message


def test_romanian_long_street_wraps_at_commas() -> None:
    lines = layout(
        name="Ion Popescu", title="Dl.",
        line1="Strada Mihai Eminescu nr. 12, bl. A4, sc. 2, et. 3, ap. 15",
        postal_code="010011", city="București", region="Sector 1", country="RO",
        sender_country="RO", locale=Locale.RO_RO,
    )
    assert lines == [
        "Dl. Ion Popescu", "Strada Mihai Eminescu nr. 12, bl. A4", "sc. 2, et. 3, ap. 15",
        "010011 București", "Sector 1",
    ]


@pytest.mark.parametrize(("sender", "needed", "allowed"), [("RO", 7, 6), ("FR", 8, 7)])
def test_more_lines_than_the_window_allows_are_refused(sender: str, needed: int,
                                                       allowed: int) -> None:
    """At home 6 lines; abroad (the country line added) 7."""
    with pytest.raises(CaseError) as err:
        layout(
            name="Ion Popescu", title="Dl.",
            line1="Strada Mihai Eminescu nr. 12, bl. A4, sc. 2, et. 3, ap. 15",
            line2="Complexul Rezidențial Nord, corp B, intrarea dinspre parcul central",
            postal_code="400001", city="Cluj-Napoca", region="Cluj", country="RO",
            sender_country=sender, locale=Locale.RO_RO,
        )
    assert err.value.field == "address_line2"
    assert f"the address needs {needed} lines; the window allows {allowed}" in err.value.message


def test_six_lines_exactly_is_fine() -> None:
    lines = layout(
        name="Ion Popescu", title="Dl.", line1="Str. Lungă nr. 5, bl. A4",
        line2="Complexul Rezidențial Nord, corp B", postal_code="400001",
        city="Cluj-Napoca", region="Cluj", country="RO",
    )
    assert len(lines) == MAX_LINES and lines[-1] == "ROUMANIE"


printable = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=60
)


@given(printable, printable, st.one_of(st.none(), printable), printable,
       st.sampled_from(["FR", "RO", "CN", "BE", "US", "GB"]), st.sampled_from(list(Locale)))
def test_layout_always_fits_the_window_or_says_why(
    name: str, line1: str, line2: str | None, city: str, country: str, locale: Locale
) -> None:
    code = {"FR": "75011", "RO": "010011", "CN": "100022", "BE": "1000", "US": "10001",
            "GB": "SW1A 1AA"}[country]
    try:
        lines = layout(name=name, line1=line1, line2=line2, city=city, country=country,
                       postal_code=code, sender_country=locale.country, locale=locale)
    except CaseError as err:
        assert err.field in {"debtor_name", "address_line1", "address_line2", "city",
                             "region", "country", "postal_code"}
        return
    # A cross-border item may take a 7th line, the destination country (UPU S42).
    assert 1 <= len(lines) <= (MAX_LINES if country == locale.country else MAX_LINES_ABROAD)
    assert all(line and line == line.strip() and _width(line) <= MAX_WIDTH for line in lines)
    assert not any("\u015f" in line or "\u0163" in line for line in lines if country == "RO")
