//! The `velo` binary: parse the command line, run, exit with the code the run chose.
fn main() -> std::process::ExitCode {
    velo::cli::run(std::env::args_os())
}
