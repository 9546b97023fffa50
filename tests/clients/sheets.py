"""Writes a CSV file's rows as an Excel 97-2003 workbook (.xls, with xlwt) and as an
OpenDocument spreadsheet (.ods, with odfpy), each with one sheet: the header, then the
rows. Cells holding a whole number or a decimal are written as numbers, an ISO date
(YYYY-MM-DD) as a date cell; anything else as text. For tests/tests/spreadsheets.rs:

    python tests/clients/sheets.py rows.csv out.xls out.ods
"""
import csv
import datetime
import re
import sys

import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableCellProperties
from odf.number import DateStyle, Day, Month, Text as NumberText, Year
from odf.table import Table, TableCell, TableRow
from odf.text import P

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def typed(value):
    if DATE.match(value):
        return datetime.date.fromisoformat(value)
    if NUMBER.match(value):
        return float(value) if "." in value else int(value)
    return value


def write_xls(rows, path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("incidents")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            value = typed(value) if r > 0 else value
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, dates)
            elif value != "":
                sheet.write(r, c, value)
    book.save(path)


def write_ods(rows, path):
    document = OpenDocumentSpreadsheet()
    date_style = DateStyle(name="iso-date")
    date_style.addElement(Year(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Month(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Day(style="long"))
    document.automaticstyles.addElement(date_style)
    cell_style = Style(name="date-cell", family="table-cell", datastylename="iso-date")
    cell_style.addElement(TableCellProperties())
    document.automaticstyles.addElement(cell_style)
    table = Table(name="incidents")
    for r, row in enumerate(rows):
        table_row = TableRow()
        for value in row:
            value = typed(value) if r > 0 else value
            if isinstance(value, datetime.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat(), stylename=cell_style)
                cell.addElement(P(text=value.isoformat()))
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            elif value == "":
                cell = TableCell()
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    document.save(path)


if __name__ == "__main__":
    source, xls, ods = sys.argv[1:4]
    with open(source, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    write_xls(rows, xls)
    write_ods(rows, ods)
