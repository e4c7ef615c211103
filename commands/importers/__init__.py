"""Importers: public data sets (MovieLens, IMDb/TVmaze TV tables, synthetic histories) into the log.

``detect(path)`` finds the data sets under a path, ``import_sources(store, sources)`` appends
what the log does not hold yet and returns an ImportReport. See service.py for the flow.
"""
from commands.importers.detect import Source, detect
from commands.importers.report import ImportReport
from commands.importers.service import ImportOptions, import_sources

__all__ = ["ImportOptions", "ImportReport", "Source", "detect", "import_sources"]
