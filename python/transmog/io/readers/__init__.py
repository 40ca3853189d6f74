"""Input readers (1.0.6's ``transmog.io.readers``)."""

from .csv import CSVReader as CsvReader
from .json import JsonlReader, JsonReader

__all__ = ["JsonReader", "JsonlReader", "CsvReader"]
