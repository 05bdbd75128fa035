"""Sheets, weights and print-file grouping."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory.batching import (
    WEIGHT_TIERS,
    PrintItem,
    envelope_for,
    group_print_files,
    operator_slug,
    sheets,
    weight_class,
    weight_g,
)


def item(key: str, postal_code: str, pages: int = 1, *, operator: str = "La Poste",
         country: str = "FR", duplex: bool = True) -> PrintItem:
    return PrintItem.of(letter_key=key, case_id=key, kind="formal_notice", operator=operator,
                        postal_code=postal_code, country=country, pages=pages, duplex=duplex)


@pytest.mark.parametrize(("pages", "duplex", "expected"),
                         [(1, True, 1), (2, True, 1), (3, True, 2), (4, True, 2), (5, True, 3),
                          (1, False, 1), (5, False, 5)])
def test_sheets(pages: int, duplex: bool, expected: int) -> None:
    assert sheets(pages, duplex) == expected


def test_sheets_refuses_empty_letter() -> None:
    with pytest.raises(ValueError):
        sheets(0, True)


def test_three_sheets_fit_in_20g_and_four_do_not() -> None:
    # registered-post.md 4: "20 g holds about 3 sheets" (DL envelope 5 g + 5 g a sheet).
    assert weight_class(weight_g(3)) == "20g"
    assert weight_class(weight_g(4)) == "50g"


def test_envelope_switches_to_c4_beyond_six_sheets() -> None:
    assert [envelope_for(n) for n in (1, 6, 7, 40)] == ["DL", "DL", "C4", "C4"]
    assert weight_g(7) - 7 * 5 > weight_g(6) - 6 * 5  # the flat envelope weighs more


@pytest.mark.parametrize(("grams", "label"),
                         [(1, "20g"), (20, "20g"), (21, "50g"), (50, "50g"), (51, "100g"),
                          (250, "250g"), (251, "500g"), (501, "1kg"), (2000, "2kg")])
def test_weight_class_bounds(grams: int, label: str) -> None:
    assert weight_class(grams) == label


def test_weight_class_refuses_over_2kg() -> None:
    with pytest.raises(ValueError, match="2 kg"):
        weight_class(2001)


@given(st.integers(min_value=1, max_value=700))
def test_item_fields_agree(pages: int) -> None:
    it = item("k", "75001", pages)
    assert it.sheets == -(-pages // 2)
    assert it.weight_g == weight_g(it.sheets)
    assert it.envelope == envelope_for(it.sheets)
    assert it.weight_class in {label for _, label in WEIGHT_TIERS}


def test_slugs_are_ascii_and_stable() -> None:
    assert operator_slug("La Poste") == "la-poste"
    assert operator_slug("Poșta Română") == "posta-romana"
    assert operator_slug("Poşta Română") == "posta-romana"  # cedilla spelling too
    assert operator_slug("中国邮政") == "china-post"
    other = operator_slug("日本郵便")
    assert other == operator_slug("日本郵便") and other.isascii() and other


def test_grouping_by_operator_envelope_and_weight() -> None:
    items = [
        item("fr-1", "75011"), item("fr-2", "13001", 7), item("fr-3", "06000", 15),
        item("ro-1", "010011", operator="Poșta Română", country="RO"),
        item("cn-1", "100022", operator="中国邮政", country="CN"),
    ]
    groups = group_print_files(items, letters_per_file=10)
    names = [g.file_name for g in groups]
    assert names == ["china-post_DL_20g_001.pdf", "la-poste_C4_100g_001.pdf",
                     "la-poste_DL_20g_001.pdf", "la-poste_DL_50g_001.pdf",
                     "posta-romana_DL_20g_001.pdf"]
    assert all(re.fullmatch(r"[a-z0-9-]+_(DL|C4)_\d+k?g_\d{3}\.pdf", n) for n in names)
    for g in groups:
        assert {i.operator for i in g.items} == {g.operator}
        assert {(i.envelope, i.weight_class) for i in g.items} == {(g.envelope, g.weight_class)}
    assert sorted(i.letter_key for g in groups for i in g.items) == sorted(
        i.letter_key for i in items)


def test_sorted_by_country_then_postal_code_and_split() -> None:
    codes = ["75011", "13001", "69001", "33000", "06000", "59000", "67000"]
    items = [item(f"k{n}", cp) for n, cp in enumerate(codes)]
    items.append(item("be", "1000", country="BE"))
    groups = group_print_files(items, letters_per_file=3)
    assert [len(g.items) for g in groups] == [3, 3, 2]
    assert [g.index for g in groups] == [1, 2, 3]
    flat = [(i.country, i.postal_code) for g in groups for i in g.items]
    assert flat == sorted(flat)
    assert flat[0] == ("BE", "1000")


def test_same_postal_code_tie_broken_by_letter_key() -> None:
    items = [item("b", "75011"), item("a", "75011"), item("c", "75011")]
    (group,) = group_print_files(list(reversed(items)), letters_per_file=10)
    assert [i.letter_key for i in group.items] == ["a", "b", "c"]


def test_grouping_is_independent_of_input_order() -> None:
    items = [item(f"k{n}", f"{75000 + n * 37 % 90:05d}", 1 + n % 9) for n in range(40)]
    a = group_print_files(items, letters_per_file=4)
    b = group_print_files(list(reversed(items)), letters_per_file=4)
    assert a == b


def test_colliding_slugs_get_distinct_file_names() -> None:
    items = [item("a", "75001", operator="La Poste"), item("b", "75001", operator="LA POSTE")]
    names = [g.file_name for g in group_print_files(items, letters_per_file=5)]
    assert len(set(names)) == 2


def test_letters_per_file_must_be_positive() -> None:
    with pytest.raises(ValueError):
        group_print_files([item("a", "75001")], letters_per_file=0)
