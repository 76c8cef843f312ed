"""Ingest: one ingestor per format behind a registry; every file a document or an exception."""

from lpo.ingest.manager import ExtractionNode, FileResult, extract_file, list_files, register_file

__all__ = ["ExtractionNode", "FileResult", "extract_file", "list_files", "register_file"]
