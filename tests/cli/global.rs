//! Behaviour every command shares: help, usage errors, completions and man pages in sync.

use crate::support::{repo_root, velo};

#[test]
fn help_lists_exit_codes() {
    velo()
        .arg("--help")
        .run()
        .code(0)
        .stdout_has("Exit codes:")
        .stdout_has("128+N");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    velo()
        .arg("--no-such-flag")
        .run()
        .code(2)
        .stderr_has("--no-such-flag");
}

#[test]
fn version_prints() {
    velo()
        .arg("--version")
        .run()
        .code(0)
        .stdout_has(env!("CARGO_PKG_VERSION"));
}

#[test]
fn generate_is_hidden_from_help() {
    let out = velo().arg("--help").run().code(0);
    assert!(!out.stdout.contains("generate"), "{}", out.stdout);
}

fn assert_same_tree(generated: &std::path::Path, committed: &std::path::Path, regen: &str) {
    let mut names: Vec<_> = std::fs::read_dir(generated)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let mut committed_names: Vec<_> = std::fs::read_dir(committed)
        .unwrap_or_else(|_| panic!("{} is missing: run `{regen}`", committed.display()))
        .map(|e| e.unwrap().file_name())
        .collect();
    committed_names.sort();
    assert_eq!(
        names,
        committed_names,
        "{} drifted: run `{regen}`",
        committed.display()
    );
    for name in names {
        let want = std::fs::read(generated.join(&name)).unwrap();
        let have = std::fs::read(committed.join(&name)).unwrap();
        assert!(
            want == have,
            "{} drifted from the clap tree: run `{regen}`",
            committed.join(&name).display()
        );
    }
}

#[test]
fn committed_completions_match_the_command_tree() {
    let out = velo()
        .args(["generate", "completions", "--out-dir", "gen"])
        .run()
        .code(0);
    assert_same_tree(
        &out.dir.path().join("gen"),
        &repo_root().join("completions"),
        "cargo run -- generate completions --out-dir completions",
    );
}

#[test]
fn committed_man_pages_match_the_command_tree() {
    let out = velo()
        .args(["generate", "man", "--out-dir", "gen"])
        .run()
        .code(0);
    assert_same_tree(
        &out.dir.path().join("gen"),
        &repo_root().join("man"),
        "cargo run -- generate man --out-dir man",
    );
}
