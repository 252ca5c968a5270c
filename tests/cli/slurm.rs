//! Issue 22: sharded runs as real Slurm array jobs on a one-node cluster that the test starts
//! with `.ci/slurm.sh` (Debian's slurmctld, slurmd and munge, installed when missing) and stops
//! by pid at the end, even when an assertion fails. Skips, saying why, where Slurm cannot be
//! had (`.ci/slurm.sh` exits 77: not root, no apt-get, the packages not installable).
//!
//! A backtest sweep (`--shard 4`) and a pytest partition (`--partition 3`) each run as
//! `sbatch --array=0-N`, one task is run again the way users re-run a failed task
//! (`sbatch --array=2`), and the parts are merged: equal to the unsharded run, and a merge
//! without one task is refused naming its `SLURM_ARRAY_TASK_ID`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{fixture, repo_root, skip};
use crate::test_timeout_runner::{copy_suite, python};

/// A cluster of `.ci/slurm.sh`, stopped (by the pids the script recorded) when dropped.
struct Cluster {
    dir: PathBuf,
    conf: String,
}

impl Cluster {
    /// Starts a cluster in `dir`; `Err` is the reason to skip.
    fn start(dir: &Path) -> Result<Self, String> {
        let out = Command::new(repo_root().join(".ci/slurm.sh"))
            .arg("start")
            .arg(dir)
            .env_remove("SLURM_CONF")
            .output()
            .map_err(|e| format!("cannot run .ci/slurm.sh: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {}
            Some(77) => {
                let why = stderr
                    .lines()
                    .find_map(|l| l.strip_prefix("skip: "))
                    .unwrap_or("Slurm cannot be had here");
                return Err(why.to_string());
            }
            code => panic!(".ci/slurm.sh start failed ({code:?}):\n{stderr}"),
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let conf = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export SLURM_CONF="))
            .unwrap_or_else(|| panic!("no SLURM_CONF in {stdout:?}"))
            .to_string();
        Ok(Self {
            dir: dir.to_path_buf(),
            conf,
        })
    }

    /// A Slurm command with only what a job needs in its environment (sbatch hands the
    /// submitting environment to the job: no CI or Slurm variable of the test's own).
    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var_os("HOME").unwrap_or_else(|| "/".into()),
            )
            .env("SLURM_CONF", &self.conf);
        c
    }

    /// Submits `script` as `sbatch --array=SPEC` and waits (generously) until the array left
    /// the queue; returns the job id.
    fn array(&self, spec: &str, out_dir: &Path, script: &str) -> String {
        let out = self
            .cmd("sbatch")
            .args(["--parsable", &format!("--array={spec}"), "-o"])
            .arg(out_dir.join("slurm-%A_%a.out"))
            .args(["--wrap", script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sbatch: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let job = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let q = self
                .cmd("squeue")
                .args(["-h", "-j", &job])
                .output()
                .unwrap();
            if q.status.success() && q.stdout.is_empty() {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {job} still queued after 10 minutes"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join(".ci/slurm.sh"))
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

fn velo_bin() -> String {
    assert_cmd::cargo::cargo_bin("velo").display().to_string()
}

/// A task's exit code and stderr (written by the job script beside its part).
fn task_end(dir: &Path, task: u32) -> (String, String) {
    let read = |f: String| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    (
        read(format!("rc-{task}")).trim().to_string(),
        read(format!("err-{task}.txt")),
    )
}

fn merge(kind: &[&str], files: &[PathBuf]) -> std::process::Output {
    Command::new(velo_bin())
        .args(kind)
        .args(["merge", "--format", "json"])
        .args(files)
        .output()
        .unwrap()
}

/// `id → outcome` of a runner report, and its summary.
fn outcomes(json: &[u8]) -> (Vec<(String, String)>, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut tests: Vec<(String, String)> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().into(),
                t["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    tests.sort();
    (tests, v["summary"].clone())
}

#[test]
fn array_jobs_rerun_of_a_task_and_merges_on_a_real_slurm_cluster() {
    const NAME: &str = "array_jobs_rerun_of_a_task_and_merges_on_a_real_slurm_cluster";
    let work = tempfile::Builder::new()
        .prefix("velo-slurm")
        .tempdir()
        .unwrap();
    // Jobs run as the submitting user, but Slurm's own daemons (root) write the outputs.
    let _ = std::fs::set_permissions(
        work.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    );
    let cluster = match Cluster::start(&work.path().join("cluster")) {
        Ok(c) => c,
        Err(why) => return skip(NAME, &why),
    };
    let velo = velo_bin();

    // --- a backtest sweep in 4 shards ------------------------------------------------------
    let goog = fixture("backtest/GOOG.csv").display().to_string();
    let sweep = format!(
        "'{velo}' backtest '{goog}' --strategy sma-cross --grid fast=5..30:5 --grid slow=20..80:10 --constraint 'fast<slow' --top 0 --format json"
    );
    let unsharded = Command::new("sh").args(["-c", &sweep]).output().unwrap();
    assert!(unsharded.status.success());
    let task_script = |dir: &Path, cmd: &str| {
        std::fs::create_dir_all(dir).unwrap();
        format!(
            "cd '{}' && {cmd} >part-$SLURM_ARRAY_TASK_ID.json 2>err-$SLURM_ARRAY_TASK_ID.txt; echo $? >rc-$SLURM_ARRAY_TASK_ID",
            dir.display()
        )
    };
    let bt = work.path().join("bt");
    cluster.array("0-3", &bt, &task_script(&bt, &format!("{sweep} --shard 4")));
    for t in 0..4 {
        assert_eq!(
            task_end(&bt, t).0,
            "0",
            "backtest task {t}: {:?}",
            task_end(&bt, t)
        );
    }
    let parts = |dir: &Path, ids: &[u32]| -> Vec<PathBuf> {
        ids.iter()
            .map(|t| dir.join(format!("part-{t}.json")))
            .collect()
    };
    let merged = merge(&["backtest"], &parts(&bt, &[0, 1, 2, 3]));
    assert_eq!(merged.status.code(), Some(0));
    assert!(
        merged.stdout == unsharded.stdout,
        "merged sweep != unsharded"
    );
    // Re-running task 2 the usual way runs task 2's shard again.
    let bt2 = work.path().join("bt-rerun");
    cluster.array("2", &bt2, &task_script(&bt2, &format!("{sweep} --shard 4")));
    assert_eq!(
        std::fs::read(bt2.join("part-2.json")).unwrap(),
        std::fs::read(bt.join("part-2.json")).unwrap(),
        "the re-run of task 2 did other work"
    );
    let mut with_rerun = parts(&bt, &[0, 1, 3]);
    with_rerun.push(bt2.join("part-2.json"));
    let merged = merge(&["backtest"], &with_rerun);
    assert!(
        merged.stdout == unsharded.stdout,
        "merge with the re-run != unsharded"
    );
    let missing = merge(&["backtest"], &parts(&bt, &[0, 1, 3]));
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("3/4 (SLURM_ARRAY_TASK_ID=2)"), "{err}");
    // `--array=1-4` with 4 shards: task 4 is refused, naming its id and the range.
    let bt14 = work.path().join("bt-1-4");
    cluster.array(
        "4",
        &bt14,
        &task_script(&bt14, &format!("{sweep} --shard 4")),
    );
    let (rc, err) = task_end(&bt14, 4);
    assert_eq!(rc, "2", "{err}");
    assert!(
        err.contains("SLURM_ARRAY_TASK_ID=4 is out of range") && err.contains("0..3"),
        "{err}"
    );

    // --- a pytest suite in 3 shards ----------------------------------------------------------
    let Some(py) = python() else {
        return skip(
            NAME,
            "the runner half needs pytest (VELO_TEST_PYTHON or target/test-venv)",
        );
    };
    let suite = work.path().join("suite");
    copy_suite(&suite);
    let pytest = format!(
        "'{}' -m pytest -q -p no:cacheprovider tests/test_basic.py",
        py.display()
    );
    let whole = Command::new("sh")
        .args([
            "-c",
            &format!("'{velo}' test-timeout-runner --format json -- {pytest}"),
        ])
        .current_dir(&suite)
        .env_remove("CI_NODE_INDEX")
        .env_remove("CI_NODE_TOTAL")
        .output()
        .unwrap();
    assert_eq!(
        whole.status.code(),
        Some(1),
        "the suite has one failing test"
    );
    let runner = |dir: &Path| {
        std::fs::create_dir_all(dir).unwrap();
        format!(
            "cd '{}' && '{velo}' test-timeout-runner --partition 3 --format json --junit '{}'/part-$SLURM_ARRAY_TASK_ID.xml -- {pytest} >'{}'/part-$SLURM_ARRAY_TASK_ID.json 2>'{}'/err-$SLURM_ARRAY_TASK_ID.txt; echo $? >'{}'/rc-$SLURM_ARRAY_TASK_ID",
            suite.display(),
            dir.display(),
            dir.display(),
            dir.display(),
            dir.display()
        )
    };
    let rn = work.path().join("rn");
    cluster.array("0-2", &rn, &runner(&rn));
    let rn2 = work.path().join("rn-rerun");
    cluster.array("2", &rn2, &runner(&rn2));
    assert_eq!(
        outcomes(&std::fs::read(rn2.join("part-2.json")).unwrap()).0,
        outcomes(&std::fs::read(rn.join("part-2.json")).unwrap()).0,
        "the re-run of task 2 ran other tests"
    );
    let mut files = parts(&rn, &[0, 1]);
    files.push(rn2.join("part-2.json"));
    let merged = merge(&["test-timeout-runner"], &files);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(outcomes(&merged.stdout), outcomes(&whole.stdout));
    let xml: Vec<PathBuf> = (0..3).map(|t| rn.join(format!("part-{t}.xml"))).collect();
    let merged = merge(&["test-timeout-runner"], &xml);
    assert_eq!(
        outcomes(&merged.stdout).0.len(),
        outcomes(&whole.stdout).0.len()
    );
    let missing = merge(&["test-timeout-runner"], &parts(&rn, &[0, 2]));
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("2/3 (SLURM_ARRAY_TASK_ID=1)"), "{err}");
    drop(cluster);
}
