# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_velo_global_optspecs
    string join \n color= q/quiet v/verbose h/help V/version
end

function __fish_velo_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_velo_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_velo_using_subcommand
    set -l cmd (__fish_velo_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c velo -n "__fish_velo_needs_command" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_needs_command" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_needs_command" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_needs_command" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_needs_command" -f -a "env-check" -d 'Validate .env files: missing, malformed, misspelled and duplicated variables, at once'
complete -c velo -n "__fish_velo_needs_command" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_needs_command" -f -a "scan" -d 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar'
complete -c velo -n "__fish_velo_needs_command" -f -a "log-digest" -d 'Digest logs: top templates by severity and count, root cause, suggested fixes'
complete -c velo -n "__fish_velo_needs_command" -f -a "test-timeout-runner" -d 'Run tests or any command with per-test timeouts, whole-tree kill and retries'
complete -c velo -n "__fish_velo_needs_command" -f -a "monitor" -d 'Watch a process tree\'s CPU, memory, threads and files; limits that fail CI; a leak verdict'
complete -c velo -n "__fish_velo_needs_command" -f -a "backtest" -d 'Backtest a strategy with backtesting.py\'s semantics; sweep, rank symbols, walk forward'
complete -c velo -n "__fish_velo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l env-file -d 'A .env file to check (repeatable; a later file wins over an earlier one; `-` is stdin)' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l environment -d 'Read .env, .env.NAME and .env.NAME.local (those that exist), in that precedence order' -r
complete -c velo -n "__fish_velo_using_subcommand env-check" -l schema -d 'The schema: a .env.schema/.env.example style file, a dotenv-linter JSON schema, or a Python file whose pydantic-settings classes are the schema (`settings.py`, or `settings.py:Settings` for one class), read without running Python' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l scan-code -d 'Also scan the code under DIR (default `.`) for variables it reads: reports `undeclared` and `unused`. With no schema at all, the code is the schema: a read without a fallback is required, one with a fallback is optional with that default' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l fail-on -d 'Lowest severity that makes the run fail (exit 1)' -r -f -a "error\t'Fail on errors only (default)'
warning\t'Fail on warnings and errors'
info\t'Fail on any finding'
never\t'Never fail because of findings'"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l ignore -d 'Skip a finding code everywhere (repeatable), e.g. `--ignore trailing-whitespace`' -r
complete -c velo -n "__fish_velo_using_subcommand env-check" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''
github\t''"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l emit-schema -d 'Write the schema velo inferred (from pydantic-settings classes, or from the code with --scan-code) as an @env-spec .env.schema to FILE (default .env.schema; `-` = stdout), instead of checking. Defaults of secret variables are never written' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l process-env -d 'Also take variables from the process environment (they win over every file)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l if-present -d 'When there is no .env file to check, say so and exit 0 instead of 2 (for hooks and CI jobs on checkouts that have no .env, e.g. the pre-commit hook)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l show-sources -d 'Also print, per key, which file (or the process environment, or a default) wins'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l fix -d 'Apply the fixes that leave what every loader reads unchanged; writes atomically and shows the diff'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l dry-run -d 'With --fix: show the diff, write nothing'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l exec -d 'Run COMMAND (after `--`) with the checked environment, only if the check passes. velo becomes COMMAND (exec): signals sent to velo reach it, and its exit status is velo\'s'
complete -c velo -n "__fish_velo_using_subcommand env-check" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand env-check" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand env-check" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
complete -c velo -n "__fish_velo_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -l out-dir -d 'Directory to write into (created if missing)' -r -F
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from completions" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -l out-dir -d 'Directory to write into (created if missing)' -r -F
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from man" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
complete -c velo -n "__fish_velo_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand scan" -l lookback -d 'Bars before the as-of bar for the breakout level and the volume baseline [default: 20]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l squeeze-lookback -d 'Bars of Bollinger bandwidth history for the squeeze percentile [default: 120]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l rsi-min -d 'Lowest RSI(14) a breakout may have [default: 50]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l rsi-max -d 'Highest RSI(14) a breakout may have [default: 100]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l weight-strength -d 'Weight of the strength component S [default: 0.3]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l weight-volume -d 'Weight of the volume component V [default: 0.5]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l weight-squeeze -d 'Weight of the squeeze component Q [default: 0.2]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l min-price -d 'Lowest close of the as-of bar to list' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l min-volume -d 'Lowest mean volume of the lookback bars before the as-of bar' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l min-score -d 'Lowest score to list (0..100)' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l top -d 'List at most N results, 0 for all [default: 50]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l as-of -d 'Scan as of the last bar at or before DATE (YYYY-MM-DD covers the whole day); later bars are cut off before anything is computed' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l explain -d 'Print one symbol bar by bar: the score breakdown, or the --indicators' -r -F
complete -c velo -n "__fish_velo_using_subcommand scan" -l indicators -d 'With --explain: print these TA-Lib indicators instead of the breakdown, e.g. sma:20,rsi:14,bbands:20:2,macd:12:26:9' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand scan" -s j -l jobs -d 'Worker threads; 0 for one per CPU [default: one per CPU]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand scan" -l adjusted -d 'Use the `Adj Close` column (Open/High/Low scaled by the same ratio)'
complete -c velo -n "__fish_velo_using_subcommand scan" -l watch -d 'Keep running: when files change (new candles), re-read only those, re-rank and print the results again (with --format json, one JSON line per round). Stop with Ctrl-C'
complete -c velo -n "__fish_velo_using_subcommand scan" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand scan" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand scan" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l log-format -d 'Header format in the Loghub/logparser syntax, e.g. \'<Date> <Time> <Level> <Component>: <Content>\' (each <Name> is a field, <Content> is the message; detected automatically when absent)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l rules -d 'TOML file of extra hints: [[rule]] pattern = "regex", hint = "what to do"' -r -F
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l level -d 'Only count events at this level or above (trace, debug, info, notice, warning, error, fatal)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l since -d 'Only count events at or after this time: \'2024-05-01 10:00:00\', or a duration (\'1h\') counted back from the newest timestamp in the logs' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l until -d 'Only count events at or before this time (same forms as --since)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l grep -d 'Only count events whose first line matches this regular expression' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l top -d 'How many templates to show [default: 10]' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l fail-on -d 'Exit 1 when any counted event is at this level or above; or, with --baseline, only when a template at error or above (`new-errors`) or warning or above (`new-warnings`) is new since the baseline' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l baseline -d 'A previous digest (`--format json` output) to compare with: the digest lists the warning and error templates that are new since then and those that grew (count up, and rate per 1,000 lines at least 1.5× the baseline\'s). Templates are matched by id' -r -F
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l assignments -d 'Write one JSON line per input line: {"source","line","template_id","template"} (`-`: stdout; a file is written beside FILE under a temporary name and replaces it at the end)' -r -F
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l follow -d 'Keep reading lines appended to the files (rotation-aware) and print a refreshed digest after each burst of new lines, until interrupted; with --format json, one JSON line (`"type":"digest"`) per digest'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches the live log)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l max-size -d 'Delete the oldest rotated files until the folder is at most this size (e.g. 500M, 2G)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l max-age -d 'Delete rotated files last modified longer ago than this (e.g. 14d, 12h)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l keep -d 'Keep at most this many files per family (the live file, then the newest rotated ones)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l compress -d 'Gzip the rotated files that are kept (never the live file)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l dry-run -d 'Show what would be done; change nothing'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches the live log)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l timeout -d 'Limit for the whole run (e.g. 90s, 10m; 0 means no limit, as for GNU timeout). In generic mode a timeout exits 124' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l test-timeout -d 'Limit per test (pytest, cargo and go modes): a test running longer is killed with its process tree, recorded as timed-out, and the rest of the session still runs. In go mode a test with subtests times out when it runs this long without starting a new subtest. 0 means no limit' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l idle-timeout -d 'Kill the command when it prints nothing for this long (a no-output watchdog; generic mode). 0 means no limit' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s k -l kill-after -d 'Grace period of each step of the SIGINT → SIGTERM → SIGKILL escalation [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with `velo monitor --kill-after`' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l retries -d 'Run a failed or timed-out command (generic mode) or test (pytest, cargo and go modes, each in a fresh process with the timeout re-armed; go retries top-level tests with their subtests) up to N more times. Fail-then-pass is `flaky`' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l retry-backoff -d 'Wait before the first retry, doubling for each next one [default: 1s]' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l framework -d 'How to run the command: pytest, cargo and go modes know their tests; generic supervises the command as a whole' -r -f -a "auto\t'Detect from the command (pytest, python -m pytest, cargo test, go test), else generic'
pytest\t'pytest: per-test timeouts, resume after a hang, per-test retries'
cargo\t'cargo test: each test in its own process (`--exact`), in parallel'
go\t'go test: per-test timeouts from the -json events, resume with -run, one package per session'
generic\t'Any command, supervised as a whole (GNU timeout compatible exit codes)'"
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s j -l jobs -d 'Run the tests in N parallel processes (pytest and cargo modes; default 1 for pytest, the CPU count for cargo; 0 is the CPU count). go mode tests N packages at once (default: the CPU count); within a package, go\'s own -parallel applies' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l partition -d 'Run only shard K of N (1-based), split by a stable hash of the test ids (pytest, cargo and go modes; go splits top-level tests). `N` alone takes K from the scheduler, as it counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based), CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every one set must agree and be within N. With no flag, CI_NODE_TOTAL (or CIRCLE_NODE_TOTAL, BUILDKITE_PARALLEL_JOB_COUNT) gives N' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l format -d 'Output format of the report on stdout. In generic mode, `table` passes the command\'s output through live and prints no table; json and markdown capture it instead' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l junit -d 'Write a JUnit XML report to FILE: written when the run starts (marked in progress), then rewritten atomically as tests finish (at once after a failure or timeout, within 0.1 s otherwise), so a killed run still leaves a valid file (a FIFO or device gets only the final report)' -r -F
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l output-dir -d 'Keep the stdout/stderr of every attempt (generic), pytest session, cargo test or go test session in DIR (made when missing, before anything runs)' -r -F
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l watch -d 'Run again whenever a file under PATH changes (repeatable), previously failed tests first; Ctrl-C stops. Caches (__pycache__, .pytest_cache, target, .git) are ignored' -r -F
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l monitor-interval -d 'Time between two samples of --monitor, from 10ms to 1h as `velo monitor --interval` (implies --monitor) [default: 200ms]' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l max-rss -d 'Fail the run (exit 1, unless it already fails) when the RSS of the whole process tree crosses SIZE, e.g. 512M, 2G, as `velo monitor --max-rss` (implies --monitor; 0 means no limit)' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l test-memory -d 'Limit the memory of each test process to SIZE, e.g. 100M, 2G (pytest: the session running the test; cargo: the test\'s own process; generic mode: the command; not go mode). The kernel enforces it through a cgroup per test process (v2 memory.max, v1 memory.limit_in_bytes): a test killed at the limit is reported out-of-memory with its peak, the rest still runs, and the run exits 1. Where no cgroup can be made (no write access), the report says why and the limit is judged on sampled peaks instead (not killed)' -r
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l fail-on-flaky -d 'Exit 1 when a test is flaky (failed, then passed on a retry)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -l monitor -d 'Record the run\'s resources as `velo monitor` does: peak RSS and PSS of the whole process tree, CPU, threads, open files and a leak verdict. pytest, cargo and go modes also name the tests with the largest peak RSS (sampled while each test ran). Shown in a Memory section (table, markdown) or a `monitor` object (json)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -a "merge" -d 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and not __fish_seen_subcommand_from merge help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -l junit -d 'Also write the merged report as JUnit XML to FILE' -r -F
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -l allow-partial -d 'Merge even with shards missing or interrupted: the result lists them under "partial" and the exit is 1'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -l fail-on-flaky -d 'Exit 1 when a test is flaky (failed, then passed on a retry)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from merge" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand test-timeout-runner; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand monitor" -l pid -d 'Watch this process and all its descendants' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -s i -l interval -d 'Time between samples, from 10ms to 1h [default: 500ms]. A sample is also taken at the start and, with a command, at its end' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -s d -l duration -d 'Stop after this long (with a command: stop the command too); 0 means no limit' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-rss -d 'Largest RSS of the whole tree, e.g. 512M, 2G: judged on every sample and, with a command, on the kernel\'s own maximum RSS of its largest process at exit' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-pss -d 'Largest PSS of the whole tree (shared pages split between the processes sharing them)' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-cpu -d 'Largest CPU use between two samples, in % of one core (250 = two and a half cores)' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-threads -d 'Most threads in the tree' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-fds -d 'Most open file descriptors in the tree' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l max-leak -d 'Steepest memory growth allowed for a `leak` verdict, e.g. 5MB/min, 100K/s' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -s k -l kill-after -d 'Grace between the steps of that escalation (and after a forwarded Ctrl-C) [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with the runner\'s --kill-after' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l format -d 'Output format of the summary on stdout' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand monitor" -l every -d 'Print a line on stderr this often instead of the live view (which only a terminal gets); 0 prints one at every sample' -r
complete -c velo -n "__fish_velo_using_subcommand monitor" -l record -d 'Write every sample to FILE.csv or FILE.jsonl as it is taken (into a temporary file beside it, flushed each time, that replaces FILE when the monitor ends)' -r -F
complete -c velo -n "__fish_velo_using_subcommand monitor" -l plot -d 'Draw memory and CPU over time into an SVG file (limits, breaches and the leak fit marked)' -r -F
complete -c velo -n "__fish_velo_using_subcommand monitor" -l metrics-file -d 'Write the summary in the Prometheus textfile format (atomically replaced)' -r -F
complete -c velo -n "__fish_velo_using_subcommand monitor" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand monitor" -l no-pss -d 'Skip PSS and USS (smaps_rollup is the costliest read)'
complete -c velo -n "__fish_velo_using_subcommand monitor" -l snapshot -d 'Print the per-process breakdown of the tree once and exit (CPU measured over --interval)'
complete -c velo -n "__fish_velo_using_subcommand monitor" -l kill-on-breach -d 'Stop the whole tree when a limit is crossed: SIGINT, SIGTERM, then SIGKILL to its group and to every process of it by pid, setsid() daemons included'
complete -c velo -n "__fish_velo_using_subcommand monitor" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand monitor" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand monitor" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l strategy -d 'The strategy: sma-cross, ema-cross, rsi, macd, bbands, donchian, momentum (rules and parameters in --help), or a [backtest.strategies.NAME] table of velo.toml' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l entry -d 'Your own strategy: buy (or reverse a short) when this condition holds, e.g. \'crosses_above(sma(close, $fast), sma(close, $slow))\' (language in --help)' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l exit -d 'Close a long when this condition holds' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l short-entry -d 'Sell short (or reverse a long) when this condition holds' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l short-exit -d 'Close a short when this condition holds' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l signals -d 'Precomputed conditions from any program: a CSV with Date and any of entry, exit, short_entry, short_exit (1/0, true/false, empty = false), joined to the bars by date' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s p -l param -d 'A strategy parameter, NAME=VALUE (repeatable), e.g. --param fast=10 --param slow=20' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l cash -d 'Starting cash, more than 0 [default: 10000]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l commission -d 'Commission per order: RATE (fraction of the traded value, or N%), plus an optional fixed amount and a minimum, e.g. 0.002, 0.001+1, 0.1%+0.5,min=1 [default: 0]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l size -d 'Trade size: a fraction of available cash (0.5 or 50%, whole units) or fixed units (2.5u) [default: all cash]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l slippage-bps -d 'Slippage in basis points, against each market and stop fill (entries and exits)' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l stop-loss -d 'Stop-loss distance from the entry price, as a fraction or percent (0.05 or 5%)' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l take-profit -d 'Take-profit distance from the entry price, as a fraction or percent (0.1 or 10%)' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l intrabar -d 'When a stop-loss and a take-profit are both inside one bar: pessimistic (the stop-loss fills, backtesting.py\'s order), optimistic (the take-profit), open-first (the one on the side of the extreme nearer the bar\'s open; a gap through a level fills it at the open) [default: pessimistic]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l grid -d 'Sweep a parameter: NAME=START..END:STEP (END included), NAME=START..END (step 1) or NAME=A,B,C (repeatable; a value given twice runs once). A swept parameter takes no --param' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l constraint -d 'Keep only grid points where this holds, e.g. \'fast<slow\' (operators < <= > >= == !=; repeatable)' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s j -l jobs -d 'Worker threads; 0 for one per CPU [default: one per CPU]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l timeout-per -d 'Time limit of each backtest in a sweep or universe, e.g. 500ms, 10s; 0 for no limit [default: none]. One that runs longer is recorded as timed-out and the sweep goes on' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l rank-by -d 'The statistic that ranks sweep points and symbols, e.g. sharpe_ratio, sqn, return_pct, calmar_ratio [default: sharpe_ratio]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l top -d 'Keep and show the best N results (memory stays bounded by N); 0 keeps all [default: 20]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l results -d 'Write every sweep result as a JSON line to FILE as it finishes (into a temporary file beside it that replaces FILE when the sweep ends, also when interrupted)' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l heatmap -d 'Write a heatmap of the ranking statistic over a two-parameter grid as SVG (an axis of more than 320 values is drawn in 320 cells, each the best of its points)' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l shard -d 'Run shard K of N (1-based) of a sweep or universe (a stable hash of each point or symbol); N alone takes K from the scheduler, as it counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based), CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every one set must agree and be within N' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l walk-forward -d 'Walk-forward: optimise the --grid on each train window, trade the best on the next test window; sizes in bars, step defaults to test' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l trades -d 'Write the closed trades as CSV (of the best point for a sweep, stitched out-of-sample for walk-forward)' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l equity -d 'Write the equity curve as CSV: date,equity,drawdown_pct (drawdown as a fraction)' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l report -d 'Write a self-contained HTML report (equity, drawdown, trade markers, statistics)' -r -F
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l trade-on-close -d 'Fill orders at the signal bar\'s close instead of the next bar\'s open'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l long-only -d 'Only open long positions; a sell signal closes the long'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -l fractional -d 'With a fractional --size (or the default), buy fractional units (crypto-style) instead of whole ones'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -a "merge" -d 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -a "batch" -d 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes'
complete -c velo -n "__fish_velo_using_subcommand backtest; and not __fish_seen_subcommand_from merge batch help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -l allow-partial -d 'Merge even with shards missing or interrupted: the result lists them under "partial" and the exit is 1'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from merge" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -s j -l jobs -d 'Backtests at once; 0 for one per CPU [default: one per CPU]' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -l timeout-per -d 'Time limit of each spec\'s backtest (reading its data included), e.g. 500ms, 30s; 0 for no limit [default: none]. One that runs longer is a timed-out result and the others go on' -r
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from batch" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from help" -f -a "batch" -d 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes'
complete -c velo -n "__fish_velo_using_subcommand backtest; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "env-check" -d 'Validate .env files: missing, malformed, misspelled and duplicated variables, at once'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "scan" -d 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "log-digest" -d 'Digest logs: top templates by severity and count, root cause, suggested fixes'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "test-timeout-runner" -d 'Run tests or any command with per-test timeouts, whole-tree kill and retries'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "monitor" -d 'Watch a process tree\'s CPU, memory, threads and files; limits that fail CI; a leak verdict'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "backtest" -d 'Backtest a strategy with backtesting.py\'s semantics; sweep, rank symbols, walk forward'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate scan log-digest test-timeout-runner monitor backtest help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from log-digest" -f -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches the live log)'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from test-timeout-runner" -f -a "merge" -d 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from backtest" -f -a "merge" -d 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from backtest" -f -a "batch" -d 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes'
