"""The monthly report's appendices: which tasks belong to a month (data.py), and the Word and Excel
files built from that data (word.py, excel.py). Data and rendering never mix."""
