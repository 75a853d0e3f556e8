"""The offline preview: run a stack's program under Pulumi mocks and drive the real policy pack over gRPC.

``python -m tools.preview`` (console script ``sg-preview``) is the command; ``run_preview`` the same as a
function. One module per job:

* ``cli``: the command line, its exit codes and where the reports go (its docstring is the command's help);
* ``run``: a whole run - every stack, one pack process, one report;
* ``stacks``: reading and checking ``stacks/Pulumi.<stack>.yaml``;
* ``program``: the stack's program under mocks (``tools.offline_engine``), its failures in one line;
* ``config``: which pack config a stack gets and what the CLI would send for it (reconciled by
  ``guardrails.pack_config``, checked against each policy's schema);
* ``session``: the pack process over gRPC (``tools.analyzer_client``): start, Configure, failures;
* ``engine_requests``: the Analyze / AnalyzeStack requests the engine would send;
* ``analysis``: driving Analyze and AnalyzeStack, and the pack's diagnostics as report findings
  (``tools.reports`` renders them);
* ``layout``, ``errors``: where the project's parts are; the one-line errors.
"""
from tools.preview.cli import main
from tools.preview.errors import PreviewError
from tools.preview.run import PreviewRun, run_preview

__all__ = ["PreviewError", "PreviewRun", "main", "run_preview"]
