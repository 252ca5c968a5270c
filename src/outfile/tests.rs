//! Unit tests of the output contract, and `fuzz_outputs_never_lose_an_input`: random pairs of
//! an input and outputs related to it in every way a path can be (the same path spelled
//! otherwise, a symlink or a chain of them, a hard link, a symlinked folder, a FIFO, a missing
//! folder, another file) never lose a byte of the input.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The mode `fs::write` (like `cp` or a shell redirect: 0666 less the umask) gives a new file.
fn usual_new_mode(dir: &Path) -> u32 {
    let reference = dir.join("reference-made-by-std");
    fs::write(&reference, "x").unwrap();
    let m = mode(&reference);
    fs::remove_file(reference).unwrap();
    m
}

fn check(plan: Plan) -> Result<Outputs, CheckError> {
    plan.check(&|_| {})
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_temp_name(OsStr::new(n)))
        .collect()
}

use std::ffi::OsStr;

#[test]
fn a_new_file_gets_the_mode_any_tool_gives_it_not_the_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("report.html")));
    let outs = check(plan).unwrap();
    outs.get("--report").unwrap().write(b"<html>").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"<html>");
    assert_eq!(mode(&path), usual_new_mode(dir.path()));
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn a_replaced_file_keeps_its_mode_and_is_never_truncated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trades.csv");
    fs::write(&path, "old\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    // A hard link elsewhere still sees the old bytes: the file was replaced, not rewritten.
    let other_link = dir.path().join("backup.csv");
    fs::hard_link(&path, &other_link).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--trades", Some(&path));
    let outs = check(plan).unwrap();
    outs.get("--trades").unwrap().write(b"new\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    assert_eq!(fs::read_to_string(&other_link).unwrap(), "old\n");
    assert_eq!(mode(&path), 0o640);
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn writes_through_a_symlink_and_the_link_stays() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.svg");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("plot.svg");
    std::os::unix::fs::symlink("real.svg", &link).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--plot", Some(Path::new("plot.svg")));
    check(plan)
        .unwrap()
        .get("--plot")
        .unwrap()
        .write(b"new")
        .unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    assert_eq!(mode(&real), 0o600);
}

#[test]
fn a_symlink_loop_is_refused_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("a")));
    let err = check(plan).unwrap_err().to_string();
    assert!(err.contains("--report a"), "{err}");
    assert!(
        err.contains("symbolic links") || err.contains("links"),
        "{err}"
    );
}

#[test]
fn an_output_that_is_an_input_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("GOOG.csv"), "data").unwrap();
    fs::hard_link(dir.path().join("GOOG.csv"), dir.path().join("hard.csv")).unwrap();
    std::os::unix::fs::symlink("GOOG.csv", dir.path().join("soft.csv")).unwrap();
    for spelled in [
        "GOOG.csv",
        "./GOOG.csv",
        "sub/../GOOG.csv",
        "hard.csv",
        "soft.csv",
    ] {
        let mut plan = Plan::new(dir.path());
        plan.input("PATH", Path::new("GOOG.csv"));
        plan.file("--report", Some(Path::new(spelled)));
        let err = check(plan).unwrap_err().to_string();
        assert!(err.contains(&format!("--report {spelled}")), "{err}");
        assert!(err.contains("input PATH"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("GOOG.csv")).unwrap(),
            "data"
        );
    }
}

#[test]
fn the_same_path_before_it_exists_is_one_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--trades", Some(Path::new("x.csv")));
    plan.file("--equity", Some(Path::new("sub/../x.csv")));
    let err = check(plan).unwrap_err().to_string();
    assert!(
        err.contains("--trades x.csv and --equity sub/../x.csv name the same file"),
        "{err}"
    );
    // A missing input named again as an output is refused the same way.
    let mut plan = Plan::new(dir.path());
    plan.input("PATH", Path::new("later.csv"));
    plan.file("--report", Some(Path::new("./later.csv")));
    assert!(check(plan).is_err());
}

#[test]
fn every_refusal_is_listed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("folder")).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("no/such/dir/r.html")));
    plan.file("--plot", Some(Path::new("folder")));
    plan.stream("--record", Some(Path::new("-")));
    let err = check(plan).unwrap_err();
    assert_eq!(err.problems.len(), 3, "{err}");
    let text = err.to_string();
    assert!(text.contains("the folder"), "{text}");
    assert!(text.contains("mkdir -p"), "{text}");
    assert!(text.contains("--plot folder: is a folder"), "{text}");
    assert!(text.contains("--record -"), "{text}");
}

#[test]
fn a_fifo_is_written_in_place_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // The reader is there first (a non-blocking open for reading never waits).
    let mut reader = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(&fifo)
        .unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("pipe")));
    let outs = check(plan).unwrap();
    let out = outs.get("--report").unwrap();
    assert!(out.in_place());
    out.write_interim(b"not this").unwrap();
    out.write(b"report").unwrap();
    drop(outs);
    drop(out);
    let mut got = String::new();
    reader.read_to_string(&mut got).unwrap();
    assert_eq!(got, "report");
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

use std::os::unix::fs::OpenOptionsExt as _;

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

#[test]
fn a_refused_run_never_waits_for_a_fifos_reader() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe"));
    let cwd = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    // No reader ever comes: a check that opened the FIFO before refusing would block here.
    std::thread::spawn(move || {
        let mut plan = Plan::new(&cwd);
        plan.file("--report", Some(Path::new("pipe")));
        plan.file("--trades", Some(Path::new("missing/t.csv")));
        let _ = tx.send(plan.check(&|_| {}).map(drop).map_err(|e| e.to_string()));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the check waited for a reader before refusing");
    assert!(got.unwrap_err().contains("--trades missing/t.csv"));
}

#[test]
fn a_reader_that_leaves_a_fifo_is_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let reader = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(&fifo)
        .unwrap();
    let mut plan = Plan::new(dir.path());
    plan.stream("--results", Some(Path::new("pipe")));
    let outs = check(plan).unwrap();
    drop(reader);
    let mut s = outs.get("--results").unwrap().stream().unwrap();
    for _ in 0..10_000 {
        s.write_all(b"a result nobody reads\n").unwrap();
    }
    assert!(!s.failed());
    s.finish().unwrap();
}

#[test]
fn a_character_device_is_written_in_place_and_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("/dev/null")));
    plan.file("--trades", Some(Path::new("/dev/null")));
    let outs = check(plan).unwrap();
    outs.get("--report").unwrap().write(b"x").unwrap();
    outs.get("--trades").unwrap().write(b"y").unwrap();
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn a_failed_write_is_an_error_that_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--report", Some(Path::new("/dev/full")));
    plan.stream("--results", Some(Path::new("/dev/full")));
    let outs = check(plan).unwrap();
    let err = outs.get("--report").unwrap().write(b"x").unwrap_err();
    assert!(err
        .to_string()
        .starts_with("--report /dev/full: cannot write"));
    let mut s = outs.get("--results").unwrap().stream().unwrap();
    for _ in 0..10_000 {
        s.write_all(b"a line of results\n").unwrap();
    }
    assert!(s.failed());
    let mut failures = Failures::default();
    failures.add(s.finish());
    failures.push(err);
    let text = failures.into_result().unwrap_err().to_string();
    assert!(text.contains("--results /dev/full: cannot write"), "{text}");
    assert!(text.contains("--report /dev/full"), "{text}");
}

#[test]
fn a_socket_and_a_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--metrics-file", Some(Path::new("sock")));
    let err = check(plan).unwrap_err().to_string();
    assert!(err.contains("is a socket"), "{err}");
    assert!(fs::metadata(dir.path().join("sock"))
        .unwrap()
        .file_type()
        .is_socket());
}

#[test]
fn a_read_only_file_is_refused_for_users_that_cannot_write_it() {
    if rustix::process::geteuid().is_root() {
        // root may write any file, as `cp` would: nothing to refuse.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.csv");
    fs::write(&path, "keep").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let mut plan = Plan::new(dir.path());
    plan.file("--equity", Some(&path));
    let err = check(plan).unwrap_err().to_string();
    assert!(err.contains("not writable (mode 0444"), "{err}");
}

#[test]
fn a_stream_replaces_the_old_file_only_when_it_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.jsonl");
    fs::write(&path, "old results\n").unwrap();
    let notes = std::cell::RefCell::new(Vec::new());
    let mut plan = Plan::new(dir.path());
    plan.stream("--results", Some(Path::new("sweep.jsonl")));
    let outs = plan
        .check(&|n| notes.borrow_mut().push(n.to_string()))
        .unwrap();
    assert!(
        notes
            .borrow()
            .iter()
            .any(|n| n.contains("replaced when the run ends")),
        "{notes:?}"
    );
    let out = outs.get("--results").unwrap();
    // A run that fails drops its stream: the old file stays, no temporary file is left.
    let mut s = out.stream().unwrap();
    s.write_all(b"partial\n").unwrap();
    s.flush().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "old results\n");
    drop(s);
    assert_eq!(fs::read_to_string(&path).unwrap(), "old results\n");
    assert!(leftovers(dir.path()).is_empty());
    let mut s = out.stream().unwrap();
    s.write_all(b"new results\n").unwrap();
    s.finish().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new results\n");
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn an_output_folder_is_created_and_its_files_never_follow_links() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = Plan::new(dir.path());
    plan.folder("--output-dir", Some(Path::new("out/deep")));
    let outs = check(plan).unwrap();
    let folder = outs
        .get("--output-dir")
        .unwrap()
        .folder()
        .unwrap()
        .to_path_buf();
    assert!(folder.is_dir());
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, folder.join("attempt-1.stdout")).unwrap();
    let mut f = create_in_folder(&folder.join("attempt-1.stdout")).unwrap();
    f.write_all(b"captured").unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        fs::read_to_string(folder.join("attempt-1.stdout")).unwrap(),
        "captured"
    );
    assert_eq!(
        mode(&folder.join("attempt-1.stdout")),
        usual_new_mode(&folder)
    );
}

#[test]
fn create_beside_keeps_mode_and_time_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("app.log.1");
    fs::write(&src, "log lines\n").unwrap();
    fs::set_permissions(&src, fs::Permissions::from_mode(0o640)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    fs::File::options()
        .write(true)
        .open(&src)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let gz = dir.path().join("app.log.1.gz");
    let n = create_beside(&src, &gz, |f| f.write_all(b"zipped")).unwrap();
    assert_eq!(n, 6);
    assert_eq!(mode(&gz), 0o640);
    assert_eq!(fs::metadata(&gz).unwrap().modified().unwrap(), old);
    let err = create_beside(&src, &gz, |f| f.write_all(b"again")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&gz).unwrap(), b"zipped");
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn replace_file_refuses_what_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(replace_file(dir.path(), b"x").is_err());
    let path = dir.path().join("new.txt");
    replace_file(&path, b"x").unwrap();
    assert_eq!(mode(&path), usual_new_mode(dir.path()));
}

/// How an output path relates to the input, in the property test below.
#[derive(Debug, Clone)]
enum Relation {
    /// The input's own path, spelled as given.
    Same(&'static str),
    /// A chain of `n` symlinks ending at the input (relative or absolute links).
    Symlinks {
        n: usize,
        absolute: bool,
    },
    HardLink,
    /// The input through a symlink to its folder.
    LinkedFolder,
    /// A FIFO with a reader.
    Fifo,
    /// A file in a folder that does not exist.
    MissingFolder,
    /// Another file, existing or not, with some mode.
    Other {
        exists: bool,
        mode: u32,
    },
    /// A dangling symlink to a file that does not exist yet.
    Dangling,
    /// The first output's path again (a second flag naming the same file).
    RepeatFirst,
}

fn relation() -> impl Strategy<Value = Relation> {
    prop_oneof![
        prop::sample::select(vec![
            "in.csv",
            "./in.csv",
            "sub/../in.csv",
            "./sub/./../in.csv",
            "ABS",
        ])
        .prop_map(Relation::Same),
        (1usize..4, any::<bool>()).prop_map(|(n, absolute)| Relation::Symlinks { n, absolute }),
        Just(Relation::HardLink),
        Just(Relation::LinkedFolder),
        Just(Relation::Fifo),
        Just(Relation::MissingFolder),
        (
            any::<bool>(),
            prop::sample::select(vec![0o600u32, 0o640, 0o644, 0o664])
        )
            .prop_map(|(exists, mode)| Relation::Other { exists, mode }),
        Just(Relation::Dangling),
        Just(Relation::RepeatFirst),
    ]
}

const FLAGS: [&str; 3] = ["--report", "--trades", "--results"];

/// Makes the path of output `i` in `dir` for `rel`; returns it and whether the contract must
/// refuse it as the input.
fn make_output(
    dir: &Path,
    i: usize,
    rel: &Relation,
    readers: &mut Vec<fs::File>,
) -> (PathBuf, bool) {
    let input = dir.join("in.csv");
    match rel {
        Relation::Same("ABS") => (input, true),
        Relation::Same(spelled) => (PathBuf::from(spelled), true),
        Relation::Symlinks { n, absolute } => {
            let mut target = if *absolute {
                input.clone()
            } else {
                PathBuf::from("in.csv")
            };
            for k in 0..*n {
                let link = dir.join(format!("link{i}-{k}"));
                std::os::unix::fs::symlink(&target, &link).unwrap();
                target = if *absolute {
                    link
                } else {
                    PathBuf::from(format!("link{i}-{k}"))
                };
            }
            (target, true)
        }
        Relation::HardLink => {
            let p = dir.join(format!("hard{i}.csv"));
            fs::hard_link(&input, &p).unwrap();
            (p, true)
        }
        Relation::LinkedFolder => {
            let link = dir.join(format!("folderlink{i}"));
            std::os::unix::fs::symlink(dir, &link).unwrap();
            (link.join("in.csv"), true)
        }
        Relation::Fifo => {
            let p = dir.join(format!("fifo{i}"));
            rustix::fs::mknodat(
                rustix::fs::CWD,
                &p,
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::from_raw_mode(0o600),
                0,
            )
            .unwrap();
            readers.push(
                fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
                    .open(&p)
                    .unwrap(),
            );
            (p, false)
        }
        Relation::MissingFolder => (dir.join(format!("missing{i}/out.csv")), false),
        Relation::Other { exists, mode } => {
            let p = dir.join(format!("other{i}.csv"));
            if *exists {
                fs::write(&p, "previous").unwrap();
                fs::set_permissions(&p, fs::Permissions::from_mode(*mode)).unwrap();
            }
            (p, false)
        }
        Relation::Dangling => {
            let p = dir.join(format!("dangling{i}"));
            std::os::unix::fs::symlink(format!("created{i}.csv"), &p).unwrap();
            (p, false)
        }
        Relation::RepeatFirst => unreachable!("handled by the caller"),
    }
}

/// The fuzz step's cases, an eighth of them (each case makes, checks and syncs a handful of
/// files), and never fewer than the normal suite's 256.
fn fuzz_config() -> proptest::test_runner::Config {
    let c = crate::market::fuzz_config();
    proptest::test_runner::Config {
        cases: (c.cases / 8).max(c.cases.min(256)),
        ..c
    }
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn fuzz_outputs_never_lose_an_input(
        data in prop::collection::vec(any::<u8>(), 0..2048),
        rels in prop::collection::vec(relation(), 1..=3),
        stream_first in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let input = dir.path().join("in.csv");
        fs::write(&input, &data).unwrap();
        let before = fs::metadata(&input).unwrap();
        let mut readers = Vec::new();
        let mut plan = Plan::new(dir.path());
        plan.input("PATH", Path::new("in.csv"));
        let mut must_refuse = false;
        let mut paths = Vec::new();
        for (i, rel) in rels.iter().enumerate() {
            let (path, is_input) = match (rel, paths.first()) {
                (Relation::RepeatFirst, Some(first)) => {
                    // Several outputs may share a FIFO; never a file.
                    must_refuse |= !matches!(rels[0], Relation::Fifo);
                    (PathBuf::clone(first), false)
                }
                (Relation::RepeatFirst, None) => (PathBuf::from("first.csv"), false),
                _ => make_output(dir.path(), i, rel, &mut readers),
            };
            must_refuse |= is_input || matches!(rel, Relation::MissingFolder);
            paths.push(path.clone());
            if i == 0 && stream_first {
                plan.stream(FLAGS[i], Some(&path));
            } else {
                plan.file(FLAGS[i], Some(&path));
            }
        }
        match plan.check(&|_| {}) {
            Ok(outs) => {
                prop_assert!(!must_refuse, "accepted {rels:?}");
                for (i, _) in rels.iter().enumerate() {
                    let out = outs.get(FLAGS[i]).unwrap();
                    if i == 0 && stream_first {
                        let mut s = out.stream().unwrap();
                        s.write_all(b"streamed").unwrap();
                        s.finish().unwrap();
                    } else {
                        out.write(b"written").unwrap();
                    }
                }
                for (i, rel) in rels.iter().enumerate() {
                    if let Relation::Other { exists: true, mode: m } = rel {
                        prop_assert_eq!(mode(&dir.path().join(format!("other{i}.csv"))), *m);
                    }
                    if let Relation::Dangling = rel {
                        let created = dir.path().join(format!("created{i}.csv"));
                        prop_assert!(created.is_file());
                        prop_assert!(fs::symlink_metadata(&paths[i]).unwrap().file_type().is_symlink());
                    }
                }
            }
            Err(e) => prop_assert!(must_refuse, "refused {rels:?}: {e}"),
        }
        let after = fs::metadata(&input).unwrap();
        prop_assert_eq!(fs::read(&input).unwrap(), data);
        prop_assert_eq!((after.ino(), after.mode()), (before.ino(), before.mode()));
        prop_assert!(leftovers(dir.path()).is_empty());
        for p in &paths {
            if let Ok(m) = fs::metadata(dir.path().join(p)) {
                if p.to_string_lossy().contains("fifo") {
                    prop_assert!(m.file_type().is_fifo());
                }
            }
        }
    }
}
