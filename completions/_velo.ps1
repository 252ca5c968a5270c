
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'velo' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'velo'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'velo' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('env-check', 'env-check', [CompletionResultType]::ParameterValue, 'Validate .env files: missing, malformed, misspelled and duplicated variables, at once')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages generated from this command tree')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar')
            [CompletionResult]::new('log-digest', 'log-digest', [CompletionResultType]::ParameterValue, 'Digest logs: top templates by severity and count, root cause, suggested fixes')
            [CompletionResult]::new('test-timeout-runner', 'test-timeout-runner', [CompletionResultType]::ParameterValue, 'Run tests or any command with per-test timeouts, whole-tree kill and retries')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Watch a process tree''s CPU, memory, threads and files; limits that fail CI; a leak verdict')
            [CompletionResult]::new('backtest', 'backtest', [CompletionResultType]::ParameterValue, 'Backtest a strategy with backtesting.py''s semantics; sweep, rank symbols, walk forward')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;env-check' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'A .env file to check (repeatable; a later file wins over an earlier one; `-` is stdin)')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Read .env, .env.NAME and .env.NAME.local (those that exist), in that precedence order')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'The schema: a .env.schema/.env.example style file, a dotenv-linter JSON schema, or a Python file whose pydantic-settings classes are the schema (`settings.py`, or `settings.py:Settings` for one class), read without running Python')
            [CompletionResult]::new('--scan-code', '--scan-code', [CompletionResultType]::ParameterName, 'Also scan the code under DIR (default `.`) for variables it reads: reports `undeclared` and `unused`. With no schema at all, the code is the schema: a read without a fallback is required, one with a fallback is optional with that default')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the run fail (exit 1)')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Skip a finding code everywhere (repeatable), e.g. `--ignore trailing-whitespace`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--emit-schema', '--emit-schema', [CompletionResultType]::ParameterName, 'Write the schema velo inferred (from pydantic-settings classes, or from the code with --scan-code) as an @env-spec .env.schema to FILE (default .env.schema; `-` = stdout), instead of checking. Defaults of secret variables are never written')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--process-env', '--process-env', [CompletionResultType]::ParameterName, 'Also take variables from the process environment (they win over every file)')
            [CompletionResult]::new('--if-present', '--if-present', [CompletionResultType]::ParameterName, 'When there is no .env file to check, say so and exit 0 instead of 2 (for hooks and CI jobs on checkouts that have no .env, e.g. the pre-commit hook)')
            [CompletionResult]::new('--show-sources', '--show-sources', [CompletionResultType]::ParameterName, 'Also print, per key, which file (or the process environment, or a default) wins')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Apply the fixes that leave what every loader reads unchanged; writes atomically and shows the diff')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --fix: show the diff, write nothing')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run COMMAND (after `--`) with the checked environment, only if the check passes. velo becomes COMMAND (exec): signals sent to velo reach it, and its exit status is velo''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;generate' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Bash, zsh, fish and PowerShell completion scripts')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: velo.1 and one velo-<command>.1 per command')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;generate;completions' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory to write into (created if missing)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;generate;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory to write into (created if missing)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Bash, zsh, fish and PowerShell completion scripts')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: velo.1 and one velo-<command>.1 per command')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;generate;help;completions' {
            break
        }
        'velo;generate;help;man' {
            break
        }
        'velo;generate;help;help' {
            break
        }
        'velo;scan' {
            [CompletionResult]::new('--lookback', '--lookback', [CompletionResultType]::ParameterName, 'Bars before the as-of bar for the breakout level and the volume baseline [default: 20]')
            [CompletionResult]::new('--squeeze-lookback', '--squeeze-lookback', [CompletionResultType]::ParameterName, 'Bars of Bollinger bandwidth history for the squeeze percentile [default: 120]')
            [CompletionResult]::new('--rsi-min', '--rsi-min', [CompletionResultType]::ParameterName, 'Lowest RSI(14) a breakout may have [default: 50]')
            [CompletionResult]::new('--rsi-max', '--rsi-max', [CompletionResultType]::ParameterName, 'Highest RSI(14) a breakout may have [default: 100]')
            [CompletionResult]::new('--weight-strength', '--weight-strength', [CompletionResultType]::ParameterName, 'Weight of the strength component S [default: 0.3]')
            [CompletionResult]::new('--weight-volume', '--weight-volume', [CompletionResultType]::ParameterName, 'Weight of the volume component V [default: 0.5]')
            [CompletionResult]::new('--weight-squeeze', '--weight-squeeze', [CompletionResultType]::ParameterName, 'Weight of the squeeze component Q [default: 0.2]')
            [CompletionResult]::new('--min-price', '--min-price', [CompletionResultType]::ParameterName, 'Lowest close of the as-of bar to list')
            [CompletionResult]::new('--min-volume', '--min-volume', [CompletionResultType]::ParameterName, 'Lowest mean volume of the lookback bars before the as-of bar')
            [CompletionResult]::new('--min-score', '--min-score', [CompletionResultType]::ParameterName, 'Lowest score to list (0..100)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'List at most N results, 0 for all [default: 50]')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'Scan as of the last bar at or before DATE (YYYY-MM-DD covers the whole day); later bars are cut off before anything is computed')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print one symbol bar by bar: the score breakdown, or the --indicators')
            [CompletionResult]::new('--indicators', '--indicators', [CompletionResultType]::ParameterName, 'With --explain: print these TA-Lib indicators instead of the breakdown, e.g. sma:20,rsi:14,bbands:20:2,macd:12:26:9')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--adjusted', '--adjusted', [CompletionResultType]::ParameterName, 'Use the `Adj Close` column (Open/High/Low scaled by the same ratio)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep running: when files change (new candles), re-read only those, re-rank and print the results again (with --format json, one JSON line per round). Stop with Ctrl-C')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;log-digest' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Header format in the Loghub/logparser syntax, e.g. ''<Date> <Time> <Level> <Component>: <Content>'' (each <Name> is a field, <Content> is the message; detected automatically when absent)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'TOML file of extra hints: [[rule]] pattern = "regex", hint = "what to do"')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Only count events at this level or above (trace, debug, info, notice, warning, error, fatal)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only count events at or after this time: ''2024-05-01 10:00:00'', or a duration (''1h'') counted back from the newest timestamp in the logs')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only count events at or before this time (same forms as --since)')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only count events whose first line matches this regular expression')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many templates to show [default: 10]')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when any counted event is at this level or above; or, with --baseline, only when a template at error or above (`new-errors`) or warning or above (`new-warnings`) is new since the baseline')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'A previous digest (`--format json` output) to compare with: the digest lists the warning and error templates that are new since then and those that grew (count up, and rate per 1,000 lines at least 1.5× the baseline''s). Templates are matched by id')
            [CompletionResult]::new('--assignments', '--assignments', [CompletionResultType]::ParameterName, 'Write one JSON line per input line: {"source","line","template_id","template"} (`-`: stdout; a file is written beside FILE under a temporary name and replaces it at the end)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading lines appended to the files (rotation-aware) and print a refreshed digest after each burst of new lines, until interrupted; with --format json, one JSON line (`"type":"digest"`) per digest')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches the live log)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;log-digest;prune' {
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Delete the oldest rotated files until the folder is at most this size (e.g. 500M, 2G)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Delete rotated files last modified longer ago than this (e.g. 14d, 12h)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep at most this many files per family (the live file, then the newest rotated ones)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Gzip the rotated files that are kept (never the live file)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be done; change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;log-digest;help' {
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches the live log)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;log-digest;help;prune' {
            break
        }
        'velo;log-digest;help;help' {
            break
        }
        'velo;test-timeout-runner' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for the whole run (e.g. 90s, 10m; 0 means no limit, as for GNU timeout). In generic mode a timeout exits 124')
            [CompletionResult]::new('--test-timeout', '--test-timeout', [CompletionResultType]::ParameterName, 'Limit per test (pytest, cargo and go modes): a test running longer is killed with its process tree, recorded as timed-out, and the rest of the session still runs. In go mode a test with subtests times out when it runs this long without starting a new subtest. 0 means no limit')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Kill the command when it prints nothing for this long (a no-output watchdog; generic mode). 0 means no limit')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Grace period of each step of the SIGINT → SIGTERM → SIGKILL escalation [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with `velo monitor --kill-after`')
            [CompletionResult]::new('--kill-after', '--kill-after', [CompletionResultType]::ParameterName, 'Grace period of each step of the SIGINT → SIGTERM → SIGKILL escalation [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with `velo monitor --kill-after`')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Run a failed or timed-out command (generic mode) or test (pytest, cargo and go modes, each in a fresh process with the timeout re-armed; go retries top-level tests with their subtests) up to N more times. Fail-then-pass is `flaky`')
            [CompletionResult]::new('--retry-backoff', '--retry-backoff', [CompletionResultType]::ParameterName, 'Wait before the first retry, doubling for each next one [default: 1s]')
            [CompletionResult]::new('--framework', '--framework', [CompletionResultType]::ParameterName, 'How to run the command: pytest, cargo and go modes know their tests; generic supervises the command as a whole')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Run the tests in N parallel processes (pytest and cargo modes; default 1 for pytest, the CPU count for cargo; 0 is the CPU count). go mode tests N packages at once (default: the CPU count); within a package, go''s own -parallel applies')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Run the tests in N parallel processes (pytest and cargo modes; default 1 for pytest, the CPU count for cargo; 0 is the CPU count). go mode tests N packages at once (default: the CPU count); within a package, go''s own -parallel applies')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Run only shard K of N (1-based), split by a stable hash of the test ids (pytest, cargo and go modes; go splits top-level tests). `N` alone takes K from the scheduler, as it counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based), CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every one set must agree and be within N. With no flag, CI_NODE_TOTAL (or CIRCLE_NODE_TOTAL, BUILDKITE_PARALLEL_JOB_COUNT) gives N')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the report on stdout. In generic mode, `table` passes the command''s output through live and prints no table; json and markdown capture it instead')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report to FILE: written when the run starts (marked in progress), then rewritten atomically as tests finish (at once after a failure or timeout, within 0.1 s otherwise), so a killed run still leaves a valid file (a FIFO or device gets only the final report)')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Keep the stdout/stderr of every attempt (generic), pytest session, cargo test or go test session in DIR (made when missing, before anything runs)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Run again whenever a file under PATH changes (repeatable), previously failed tests first; Ctrl-C stops. Caches (__pycache__, .pytest_cache, target, .git) are ignored')
            [CompletionResult]::new('--monitor-interval', '--monitor-interval', [CompletionResultType]::ParameterName, 'Time between two samples of --monitor, from 10ms to 1h as `velo monitor --interval` (implies --monitor) [default: 200ms]')
            [CompletionResult]::new('--max-rss', '--max-rss', [CompletionResultType]::ParameterName, 'Fail the run (exit 1, unless it already fails) when the RSS of the whole process tree crosses SIZE, e.g. 512M, 2G, as `velo monitor --max-rss` (implies --monitor; 0 means no limit)')
            [CompletionResult]::new('--test-memory', '--test-memory', [CompletionResultType]::ParameterName, 'Limit the memory of each test process to SIZE, e.g. 100M, 2G (pytest: the session running the test; cargo: the test''s own process; generic mode: the command; not go mode). The kernel enforces it through a cgroup per test process (v2 memory.max, v1 memory.limit_in_bytes): a test killed at the limit is reported out-of-memory with its peak, the rest still runs, and the run exits 1. Where no cgroup can be made (no write access), the report says why and the limit is judged on sampled peaks instead (not killed)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--fail-on-flaky', '--fail-on-flaky', [CompletionResultType]::ParameterName, 'Exit 1 when a test is flaky (failed, then passed on a retry)')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'Record the run''s resources as `velo monitor` does: peak RSS and PSS of the whole process tree, CPU, threads, open files and a leak verdict. pytest, cargo and go modes also name the tests with the largest peak RSS (sampled while each test ran). Shown in a Memory section (table, markdown) or a `monitor` object (json)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;test-timeout-runner;merge' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the merged report as JUnit XML to FILE')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Merge even with shards missing or interrupted: the result lists them under "partial" and the exit is 1')
            [CompletionResult]::new('--fail-on-flaky', '--fail-on-flaky', [CompletionResultType]::ParameterName, 'Exit 1 when a test is flaky (failed, then passed on a retry)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;test-timeout-runner;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;test-timeout-runner;help;merge' {
            break
        }
        'velo;test-timeout-runner;help;help' {
            break
        }
        'velo;monitor' {
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Watch this process and all its descendants')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between samples, from 10ms to 1h [default: 500ms]. A sample is also taken at the start and, with a command, at its end')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between samples, from 10ms to 1h [default: 500ms]. A sample is also taken at the start and, with a command, at its end')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Stop after this long (with a command: stop the command too); 0 means no limit')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long (with a command: stop the command too); 0 means no limit')
            [CompletionResult]::new('--max-rss', '--max-rss', [CompletionResultType]::ParameterName, 'Largest RSS of the whole tree, e.g. 512M, 2G: judged on every sample and, with a command, on the kernel''s own maximum RSS of its largest process at exit')
            [CompletionResult]::new('--max-pss', '--max-pss', [CompletionResultType]::ParameterName, 'Largest PSS of the whole tree (shared pages split between the processes sharing them)')
            [CompletionResult]::new('--max-cpu', '--max-cpu', [CompletionResultType]::ParameterName, 'Largest CPU use between two samples, in % of one core (250 = two and a half cores)')
            [CompletionResult]::new('--max-threads', '--max-threads', [CompletionResultType]::ParameterName, 'Most threads in the tree')
            [CompletionResult]::new('--max-fds', '--max-fds', [CompletionResultType]::ParameterName, 'Most open file descriptors in the tree')
            [CompletionResult]::new('--max-leak', '--max-leak', [CompletionResultType]::ParameterName, 'Steepest memory growth allowed for a `leak` verdict, e.g. 5MB/min, 100K/s')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Grace between the steps of that escalation (and after a forwarded Ctrl-C) [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with the runner''s --kill-after')
            [CompletionResult]::new('--kill-after', '--kill-after', [CompletionResultType]::ParameterName, 'Grace between the steps of that escalation (and after a forwarded Ctrl-C) [default: 2s]; 0 means no grace: the tree gets SIGKILL at once, as with the runner''s --kill-after')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the summary on stdout')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Print a line on stderr this often instead of the live view (which only a terminal gets); 0 prints one at every sample')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Write every sample to FILE.csv or FILE.jsonl as it is taken (into a temporary file beside it, flushed each time, that replaces FILE when the monitor ends)')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Draw memory and CPU over time into an SVG file (limits, breaches and the leak fit marked)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write the summary in the Prometheus textfile format (atomically replaced)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--no-pss', '--no-pss', [CompletionResultType]::ParameterName, 'Skip PSS and USS (smaps_rollup is the costliest read)')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Print the per-process breakdown of the tree once and exit (CPU measured over --interval)')
            [CompletionResult]::new('--kill-on-breach', '--kill-on-breach', [CompletionResultType]::ParameterName, 'Stop the whole tree when a limit is crossed: SIGINT, SIGTERM, then SIGKILL to its group and to every process of it by pid, setsid() daemons included')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;backtest' {
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'The strategy: sma-cross, ema-cross, rsi, macd, bbands, donchian, momentum (rules and parameters in --help), or a [backtest.strategies.NAME] table of velo.toml')
            [CompletionResult]::new('--entry', '--entry', [CompletionResultType]::ParameterName, 'Your own strategy: buy (or reverse a short) when this condition holds, e.g. ''crosses_above(sma(close, $fast), sma(close, $slow))'' (language in --help)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Close a long when this condition holds')
            [CompletionResult]::new('--short-entry', '--short-entry', [CompletionResultType]::ParameterName, 'Sell short (or reverse a long) when this condition holds')
            [CompletionResult]::new('--short-exit', '--short-exit', [CompletionResultType]::ParameterName, 'Close a short when this condition holds')
            [CompletionResult]::new('--signals', '--signals', [CompletionResultType]::ParameterName, 'Precomputed conditions from any program: a CSV with Date and any of entry, exit, short_entry, short_exit (1/0, true/false, empty = false), joined to the bars by date')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'A strategy parameter, NAME=VALUE (repeatable), e.g. --param fast=10 --param slow=20')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'A strategy parameter, NAME=VALUE (repeatable), e.g. --param fast=10 --param slow=20')
            [CompletionResult]::new('--cash', '--cash', [CompletionResultType]::ParameterName, 'Starting cash, more than 0 [default: 10000]')
            [CompletionResult]::new('--commission', '--commission', [CompletionResultType]::ParameterName, 'Commission per order: RATE (fraction of the traded value, or N%), plus an optional fixed amount and a minimum, e.g. 0.002, 0.001+1, 0.1%+0.5,min=1 [default: 0]')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Trade size: a fraction of available cash (0.5 or 50%, whole units) or fixed units (2.5u) [default: all cash]')
            [CompletionResult]::new('--slippage-bps', '--slippage-bps', [CompletionResultType]::ParameterName, 'Slippage in basis points, against each market and stop fill (entries and exits)')
            [CompletionResult]::new('--stop-loss', '--stop-loss', [CompletionResultType]::ParameterName, 'Stop-loss distance from the entry price, as a fraction or percent (0.05 or 5%)')
            [CompletionResult]::new('--take-profit', '--take-profit', [CompletionResultType]::ParameterName, 'Take-profit distance from the entry price, as a fraction or percent (0.1 or 10%)')
            [CompletionResult]::new('--intrabar', '--intrabar', [CompletionResultType]::ParameterName, 'When a stop-loss and a take-profit are both inside one bar: pessimistic (the stop-loss fills, backtesting.py''s order), optimistic (the take-profit), open-first (the one on the side of the extreme nearer the bar''s open; a gap through a level fills it at the open) [default: pessimistic]')
            [CompletionResult]::new('--grid', '--grid', [CompletionResultType]::ParameterName, 'Sweep a parameter: NAME=START..END:STEP (END included), NAME=START..END (step 1) or NAME=A,B,C (repeatable; a value given twice runs once). A swept parameter takes no --param')
            [CompletionResult]::new('--constraint', '--constraint', [CompletionResultType]::ParameterName, 'Keep only grid points where this holds, e.g. ''fast<slow'' (operators < <= > >= == !=; repeatable)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Worker threads; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--timeout-per', '--timeout-per', [CompletionResultType]::ParameterName, 'Time limit of each backtest in a sweep or universe, e.g. 500ms, 10s; 0 for no limit [default: none]. One that runs longer is recorded as timed-out and the sweep goes on')
            [CompletionResult]::new('--rank-by', '--rank-by', [CompletionResultType]::ParameterName, 'The statistic that ranks sweep points and symbols, e.g. sharpe_ratio, sqn, return_pct, calmar_ratio [default: sharpe_ratio]')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Keep and show the best N results (memory stays bounded by N); 0 keeps all [default: 20]')
            [CompletionResult]::new('--results', '--results', [CompletionResultType]::ParameterName, 'Write every sweep result as a JSON line to FILE as it finishes (into a temporary file beside it that replaces FILE when the sweep ends, also when interrupted)')
            [CompletionResult]::new('--heatmap', '--heatmap', [CompletionResultType]::ParameterName, 'Write a heatmap of the ranking statistic over a two-parameter grid as SVG (an axis of more than 320 values is drawn in 320 cells, each the best of its points)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Run shard K of N (1-based) of a sweep or universe (a stable hash of each point or symbol); N alone takes K from the scheduler, as it counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based), CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every one set must agree and be within N')
            [CompletionResult]::new('--walk-forward', '--walk-forward', [CompletionResultType]::ParameterName, 'Walk-forward: optimise the --grid on each train window, trade the best on the next test window; sizes in bars, step defaults to test')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--trades', '--trades', [CompletionResultType]::ParameterName, 'Write the closed trades as CSV (of the best point for a sweep, stitched out-of-sample for walk-forward)')
            [CompletionResult]::new('--equity', '--equity', [CompletionResultType]::ParameterName, 'Write the equity curve as CSV: date,equity,drawdown_pct (drawdown as a fraction)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write a self-contained HTML report (equity, drawdown, trade markers, statistics)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--trade-on-close', '--trade-on-close', [CompletionResultType]::ParameterName, 'Fill orders at the signal bar''s close instead of the next bar''s open')
            [CompletionResult]::new('--long-only', '--long-only', [CompletionResultType]::ParameterName, 'Only open long positions; a sell signal closes the long')
            [CompletionResult]::new('--fractional', '--fractional', [CompletionResultType]::ParameterName, 'With a fractional --size (or the default), buy fractional units (crypto-style) instead of whole ones')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;backtest;merge' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Merge even with shards missing or interrupted: the result lists them under "partial" and the exit is 1')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;backtest;batch' {
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Backtests at once; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Backtests at once; 0 for one per CPU [default: one per CPU]')
            [CompletionResult]::new('--timeout-per', '--timeout-per', [CompletionResultType]::ParameterName, 'Time limit of each spec''s backtest (reading its data included), e.g. 500ms, 30s; 0 for no limit [default: none]. One that runs longer is a timed-out result and the others go on')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'velo;backtest;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;backtest;help;merge' {
            break
        }
        'velo;backtest;help;batch' {
            break
        }
        'velo;backtest;help;help' {
            break
        }
        'velo;help' {
            [CompletionResult]::new('env-check', 'env-check', [CompletionResultType]::ParameterValue, 'Validate .env files: missing, malformed, misspelled and duplicated variables, at once')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages generated from this command tree')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar')
            [CompletionResult]::new('log-digest', 'log-digest', [CompletionResultType]::ParameterValue, 'Digest logs: top templates by severity and count, root cause, suggested fixes')
            [CompletionResult]::new('test-timeout-runner', 'test-timeout-runner', [CompletionResultType]::ParameterValue, 'Run tests or any command with per-test timeouts, whole-tree kill and retries')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Watch a process tree''s CPU, memory, threads and files; limits that fail CI; a leak verdict')
            [CompletionResult]::new('backtest', 'backtest', [CompletionResultType]::ParameterValue, 'Backtest a strategy with backtesting.py''s semantics; sweep, rank symbols, walk forward')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;help;env-check' {
            break
        }
        'velo;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Bash, zsh, fish and PowerShell completion scripts')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: velo.1 and one velo-<command>.1 per command')
            break
        }
        'velo;help;generate;completions' {
            break
        }
        'velo;help;generate;man' {
            break
        }
        'velo;help;scan' {
            break
        }
        'velo;help;log-digest' {
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches the live log)')
            break
        }
        'velo;help;log-digest;prune' {
            break
        }
        'velo;help;test-timeout-runner' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused')
            break
        }
        'velo;help;test-timeout-runner;merge' {
            break
        }
        'velo;help;monitor' {
            break
        }
        'velo;help;backtest' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes')
            break
        }
        'velo;help;backtest;merge' {
            break
        }
        'velo;help;backtest;batch' {
            break
        }
        'velo;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
