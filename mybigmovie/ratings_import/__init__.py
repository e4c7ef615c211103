"""Importing a member's ratings from an IMDb or Letterboxd export.

``formats`` reads the files, ``matching`` finds each row's title in the catalog, ``plan`` decides
what each row does and words the commands, ``service`` runs it (the web's upload, the benchmark).
"""
from mybigmovie.ratings_import.formats import BadFile, Parsed, Row, parse
from mybigmovie.ratings_import.matching import Candidate, Match, TitleMatcher
from mybigmovie.ratings_import.plan import MATCHED, STATUSES, UNMATCHED, ImportRatings, Outcome, plan

__all__ = ["BadFile", "Candidate", "ImportRatings", "MATCHED", "Match", "Outcome", "Parsed", "Row", "STATUSES",
           "TitleMatcher", "UNMATCHED", "parse", "plan"]
