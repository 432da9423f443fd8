"""Telling the user what happened: results, the reporter interface, and its three outlets
(console lines, GitHub's annotations/summary/outputs, the JSON report)."""

from publish_action.reporting.base import FanOut, Reporter, SilentReporter
from publish_action.reporting.build import build_reporter, report_path, unwritable_outputs
from publish_action.reporting.console import ConsoleReporter
from publish_action.reporting.json_report import REPORT_VERSION, JsonReport, result_json
from publish_action.reporting.results import FileOutcome, RunResult, Status, Transfer, human_size

__all__ = [
    "REPORT_VERSION",
    "ConsoleReporter",
    "FanOut",
    "FileOutcome",
    "JsonReport",
    "Reporter",
    "RunResult",
    "SilentReporter",
    "Status",
    "Transfer",
    "build_reporter",
    "human_size",
    "report_path",
    "result_json",
    "unwritable_outputs",
]
