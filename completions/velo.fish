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
complete -c velo -n "__fish_velo_needs_command" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_needs_command" -f -a "log-digest" -d 'Digest logs: top templates by severity and count, root cause, suggested fixes'
complete -c velo -n "__fish_velo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l log-format -d 'Header format in the Loghub/logparser syntax, e.g. \'<Date> <Time> <Level> <Component>: <Content>\' (each <Name> is a field, <Content> is the message; detected automatically when absent)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l rules -d 'TOML file of extra hints: [[rule]] pattern = "regex", hint = "what to do"' -r -F
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l level -d 'Only count events at this level or above (trace, debug, info, notice, warning, error, fatal)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l since -d 'Only count events at or after this time: \'2024-05-01 10:00:00\', or a duration (\'1h\') counted back from the newest timestamp in the logs' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l until -d 'Only count events at or before this time (same forms as --since)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l grep -d 'Only count events whose first line matches this regular expression' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l top -d 'How many templates to show [default: 10]' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l fail-on -d 'Exit 1 when any counted event is at this level or above' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -l assignments -d 'Write one JSON line per input line: {"source","line","template_id","template"} (`-`: stdout)' -r -F
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
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches files open for writing)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and not __fish_seen_subcommand_from prune help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l max-size -d 'Delete the oldest files until the folder is at most this size (e.g. 500M, 2G)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l max-age -d 'Delete files last modified longer ago than this (e.g. 14d, 12h)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l keep -d 'Keep at most this many files per family (newest first)' -r
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l compress -d 'Gzip rotated files (all but the newest of each family) that are kept'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -l dry-run -d 'Show what would be done; change nothing'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches files open for writing)'
complete -c velo -n "__fish_velo_using_subcommand log-digest; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate log-digest help" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate log-digest help" -f -a "log-digest" -d 'Digest logs: top templates by severity and count, root cause, suggested fixes'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate log-digest help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from log-digest" -f -a "prune" -d 'Rotate and prune a log folder by age, count and size (never touches files open for writing)'
