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
complete -c velo -n "__fish_velo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l env-file -d 'A .env file to check (repeatable; a later file wins over an earlier one; `-` is stdin)' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l environment -d 'Read .env, .env.NAME and .env.NAME.local (those that exist), in that precedence order' -r
complete -c velo -n "__fish_velo_using_subcommand env-check" -l schema -d 'The schema: a .env.schema/.env.example style file or a dotenv-linter JSON schema' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l scan-code -d 'Also scan the code under DIR (default `.`) for variables it reads: reports `undeclared` and `unused`' -r -F
complete -c velo -n "__fish_velo_using_subcommand env-check" -l fail-on -d 'Lowest severity that makes the run fail (exit 1)' -r -f -a "error\t'Fail on errors only (default)'
warning\t'Fail on warnings and errors'
info\t'Fail on any finding'
never\t'Never fail because of findings'"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l ignore -d 'Skip a finding code everywhere (repeatable), e.g. `--ignore trailing-whitespace`' -r
complete -c velo -n "__fish_velo_using_subcommand env-check" -l format -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t''
github\t''"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l color -d 'When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb' -r -f -a "auto\t'Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no'
always\t'Always colour (as `CLICOLOR_FORCE=1`)'
never\t'Never colour'"
complete -c velo -n "__fish_velo_using_subcommand env-check" -l process-env -d 'Also take variables from the process environment (they win over every file)'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l show-sources -d 'Also print, per key, which file (or the process environment, or a default) wins'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l fix -d 'Apply the fixes that leave what every loader reads unchanged; writes atomically and shows the diff'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l dry-run -d 'With --fix: show the diff, write nothing'
complete -c velo -n "__fish_velo_using_subcommand env-check" -l exec -d 'Run COMMAND (after `--`) with the checked environment, only if the check passes; its exit code becomes velo\'s'
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
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate help" -f -a "env-check" -d 'Validate .env files: missing, malformed, misspelled and duplicated variables, at once'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate help" -f -a "generate" -d 'Write shell completions or man pages generated from this command tree'
complete -c velo -n "__fish_velo_using_subcommand help; and not __fish_seen_subcommand_from env-check generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Bash, zsh, fish and PowerShell completion scripts'
complete -c velo -n "__fish_velo_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: velo.1 and one velo-<command>.1 per command'
