"""Rows of a sheet that are no buildings (core.sheet_rows), as read_table skips them: a row of
units under the header, totals, notes below the table."""
import pytest

from core.table import read_table


@pytest.mark.parametrize("units", ["（层）,(mm)", "层,mm", "层,mm/月", "(层),MPa"])
def test_a_row_of_units_under_the_header_is_skipped_with_a_note(units):
    text = f"结构,层数,裂缝宽度\n,{units}\n框架,3,0.2\n砖混,2,0.5\n"
    result = read_table(text.encode("gbk"), "b.csv")
    assert result.frame["层数"].tolist() == ["3", "2"] and list(result.frame.index) == [3, 4]
    shown = units.replace(",", ", ")
    assert [str(note) for note in result.warnings] == [f"b.csv: row 2 holds units ({shown}) under the header and is skipped"]


@pytest.mark.parametrize("second", [",（层）,", "(甲),,(丙)", ",层,无", "t,层,"])   # a bare unit over text is a label
def test_one_bracketed_cell_or_brackets_over_text_are_data(second):
    text = f"结构,层数,备注\n{second}\n框架,3,无\n砖混,2,无\n"
    assert len(read_table(text.encode(), "b.csv").frame) == 3


def test_totals_anywhere_and_notes_below_the_table_are_skipped_with_notes():
    text = ("结构,层数,裂缝宽度\n框架,3,0.2\n砖混,2,0.5\n小计,5,0.7\n框架,4,0.1\n"
            "合 计,9,0.8\n注：裂缝宽度为最大值,,\n填表人：张三,,\n")
    result = read_table(text.encode("gbk"), "b.csv")
    assert result.frame["结构"].tolist() == ["框架", "砖混", "框架"] and list(result.frame.index) == [2, 3, 5]
    said = [str(note) for note in result.warnings]
    assert said == ["b.csv: row(s) 4, 6 ('小计') are totals, not buildings, and are skipped",
                    "b.csv: row(s) 7, 8 below the table hold a single note ('注：裂缝宽度为最大值') and are skipped"]


def test_a_class_named_like_a_total_is_data_and_a_total_beside_labels_is_skipped():
    # politicalInformation's rating: "Average" is a class held by a third of the rows, each
    # filling the label columns as every row does; a subtotal leaves them blank, a total stands alone
    text = "rating,degree,age\nAverage,Yes,30\nHigh,No,40\nAverage,No,50\nLow,Yes,20\n"
    result = read_table(text.encode(), "p.csv")
    assert result.frame["rating"].tolist() == ["Average", "High", "Average", "Low"] and not result.warnings
    text = "区,结构,层数\n东城,框架,3\n东城,砖混,2\n小计,,5\n西城,框架,4\n合计,—,9\n"
    result = read_table(text.encode(), "b.csv")
    assert result.frame["区"].tolist() == ["东城", "东城", "西城"] and list(result.frame.index) == [2, 3, 5]
    assert [str(note) for note in result.warnings] == ["b.csv: row(s) 4, 6 ('小计') are totals, not buildings, "
                                                       "and are skipped"]
    text = "state,vote,south\nAlabama,84.8,True\nArizona,67.0,False\nTotal,51.0,False\n"   # the nation: alone
    assert read_table(text.encode(), "e.csv").frame["state"].tolist() == ["Alabama", "Arizona"]


@pytest.mark.parametrize("last", [",7,", "框架,3,0.4"])
def test_a_last_row_with_a_number_or_several_cells_is_a_building(last):
    text = "结构,层数,裂缝宽度\n框架,3,0.2\n砖混,2,0.5\n" + last + "\n"
    result = read_table(text.encode(), "b.csv")
    assert len(result.frame) == 3 and not result.warnings


def test_a_last_row_with_one_cell_of_text_is_read_as_a_note_and_said():
    result = read_table("结构,层数,裂缝宽度\n框架,3,0.2\n砖混,2,0.5\n砖混,,\n".encode(), "b.csv")
    assert len(result.frame) == 2 and "row(s) 4 below the table hold a single note ('砖混')" in str(result.warnings[0])
