
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
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages generated from this command tree')
            [CompletionResult]::new('log-digest', 'log-digest', [CompletionResultType]::ParameterValue, 'Digest logs: top templates by severity and count, root cause, suggested fixes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
        'velo;log-digest' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Header format in the Loghub/logparser syntax, e.g. ''<Date> <Time> <Level> <Component>: <Content>'' (each <Name> is a field, <Content> is the message; detected automatically when absent)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'TOML file of extra hints: [[rule]] pattern = "regex", hint = "what to do"')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Only count events at this level or above (trace, debug, info, notice, warning, error, fatal)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only count events at or after this time: ''2024-05-01 10:00:00'', or a duration (''1h'') counted back from the newest timestamp in the logs')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only count events at or before this time (same forms as --since)')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only count events whose first line matches this regular expression')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many templates to show [default: 10]')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when any counted event is at this level or above')
            [CompletionResult]::new('--assignments', '--assignments', [CompletionResultType]::ParameterName, 'Write one JSON line per input line: {"source","line","template_id","template"} (`-`: stdout)')
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
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches files open for writing)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;log-digest;prune' {
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Delete the oldest files until the folder is at most this size (e.g. 500M, 2G)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Delete files last modified longer ago than this (e.g. 14d, 12h)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep at most this many files per family (newest first)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Gzip rotated files (all but the newest of each family) that are kept')
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
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches files open for writing)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'velo;log-digest;help;prune' {
            break
        }
        'velo;log-digest;help;help' {
            break
        }
        'velo;help' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages generated from this command tree')
            [CompletionResult]::new('log-digest', 'log-digest', [CompletionResultType]::ParameterValue, 'Digest logs: top templates by severity and count, root cause, suggested fixes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
        'velo;help;log-digest' {
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Rotate and prune a log folder by age, count and size (never touches files open for writing)')
            break
        }
        'velo;help;log-digest;prune' {
            break
        }
        'velo;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
