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
complete -c velo -n "__fish_velo_needs_command" -f -a "scan" -d 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar'
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
complete -c velo -n "__fish_velo_using_subcommand scan" -s j -l jobs -d 'Worker threads [default: one per core]' -r
complete -c velo -n "__fish_velo_using_subcommand scan" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand scan" -l adjusted -d 'Use the `Adj Close` column (Open/High/Low scaled by the same ratio)'
complete -c velo -n "__fish_velo_using_subcommand scan" -l watch -d 'Keep running: when files change (new candles), re-read only those, re-rank and print the results again (with --format json, one JSON line per round). Stop with Ctrl-C'
complete -c velo -n "__fish_velo_using_subcommand scan" -s q -l quiet -d 'Print no messages or progress on stderr; data on stdout and exit codes are unchanged'
complete -c velo -n "__fish_velo_using_subcommand scan" -s v -l verbose -d 'Say more about what is being done (repeat for more)'
complete -c velo -n "__fish_velo_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c velo -n "__fish_velo_using_subcommand scan" -s V -l version -d 'Print version'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate scan help" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate scan help" -f -a "scan" -d 'Rank OHLCV files by breakout strength, or explain one symbol bar by bar'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from generate scan help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
