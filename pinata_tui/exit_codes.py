"""Exit codes of the command line (``ask`` and the other subcommands).

A module of its own so that the CLI can print them in its help without importing the API client.
"""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_CREDITS = 4
EXIT_RATE_LIMITED = 5
EXIT_NETWORK = 6
EXIT_SERVER = 7
EXIT_INTERRUPTED = 8
EXIT_TRUNCATED = 9
EXIT_FILTERED = 10
EXIT_REFUSED = 11
EXIT_TOOL_CALLS = 12
EXIT_NO_TEXT = 13
EXIT_OVER_BUDGET = 14
EXIT_UNKNOWN_PRESET = 15
EXIT_ATTACHMENT = 16
EXIT_CTRL_C = 130

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FAILURE: "other failure",
    EXIT_USAGE: "bad arguments or config",
    EXIT_AUTH: "authentication failed (401) or no key configured",
    EXIT_CREDITS: "out of credits (402); the available amount is printed on stderr",
    EXIT_RATE_LIMITED: "rate limited (429) after the retries ran out",
    EXIT_NETWORK: "network failure: Pinata unreachable or timed out",
    EXIT_SERVER: "server error (5xx), an error reported inside the stream, or a reply not in the documented shape",
    EXIT_INTERRUPTED: "the reply was cut off mid-stream (what arrived was printed and saved)",
    EXIT_TRUNCATED: "the reply was cut at the token limit (max_tokens); what arrived was printed and saved",
    EXIT_FILTERED: "the provider's content filter stopped the reply",
    EXIT_REFUSED: "the model refused (the refusal is printed as the reply)",
    EXIT_TOOL_CALLS: "the model only asked to call tools, which pinata-chat does not run",
    EXIT_NO_TEXT: "the model finished without any visible text (e.g. only reasoning)",
    EXIT_OVER_BUDGET: "not sent: today's or this month's spend has reached budget.daily / budget.monthly "
                      "(--over-budget sends anyway)",
    EXIT_UNKNOWN_PRESET: "no preset has the name given to -p (the available ones are listed on stderr)",
    EXIT_ATTACHMENT: "a file given with -a cannot be attached (missing, too big, binary, not UTF-8), or the "
                     "model did not accept an image (try another with --model)",
    EXIT_CTRL_C: "stopped with Ctrl-C (what arrived was printed and saved)",
}
