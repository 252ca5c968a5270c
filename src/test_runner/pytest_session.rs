//! Starting a pytest session: which tests it selects and which modules it collects
//! ([`Selection`], written to the file `VELO_SELECT` names), and its process ([`Started`]),
//! which may be started ahead of need and wait at collection until velo lets it go.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rustix::process::Signal;

use crate::proc::{Running, Spec};

use super::driver::Run;
use super::pytest::{Pytest, PytestError};

/// One batch's selection of tests: `None` is the user's whole selection.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub(super) only: Option<Vec<String>>,
    pub(super) skip: Vec<String>,
    /// The tests still to run as the first session collected them (its order): they only
    /// narrow what pytest collects (their modules); `only` and `skip` still select.
    pub(super) rest: Option<Vec<String>>,
}

impl Selection {
    pub(super) fn only(ids: Vec<String>) -> Self {
        Self {
            only: Some(ids),
            ..Self::default()
        }
    }

    /// The modules (node ids' file parts, first appearance first) of the tests this selection
    /// still runs, minus `done`; `None`: the user's whole selection, collected as given.
    pub(super) fn files(&self, done: &HashSet<String>) -> Option<Vec<String>> {
        let pending = self.only.as_ref().or(self.rest.as_ref())?;
        let skip: HashSet<&str> = self.skip.iter().map(String::as_str).collect();
        let mut seen = HashSet::new();
        let files = pending
            .iter()
            .filter(|id| !done.contains(*id) && !skip.contains(id.as_str()))
            .map(|id| module_of(id))
            .filter(|f| seen.insert(*f))
            .map(str::to_string)
            .collect();
        Some(files)
    }
}

/// The file part of a pytest node id (`tests/test_x.py` of `tests/test_x.py::T::t[a::b]`):
/// a file name never holds `::`, a parameter may.
fn module_of(id: &str) -> &str {
    id.split_once("::").map_or(id, |(file, _)| file)
}

/// A pytest process of a session. Started ahead of need (a spare), it loads Python, pytest, the
/// plugins and the first conftest files, then velo's plugin waits at collection until the
/// `go` file exists; the selection file is read after that.
pub(super) struct Started {
    pub(super) running: Running,
    pub(super) group: Option<crate::proc::cgroup::Group>,
    pub(super) label: String,
    pub(super) events: PathBuf,
    pub(super) stacks: PathBuf,
    select: PathBuf,
    go: PathBuf,
}

impl Started {
    /// Starts a session's process; with `body`, its selection is written first (no wait).
    pub(super) fn spawn(mode: &Pytest, run: &Run, body: Option<&str>) -> Result<Self, PytestError> {
        let label = run.label("session");
        let work = &mode.cfg.session.work_dir;
        let events = work.join(format!("{label}.events"));
        let stacks = work.join(format!("{label}.stack"));
        let select = work.join(format!("{label}.select.json"));
        let go = work.join(format!("{label}.go"));
        if let Some(body) = body {
            release(&select, &go, body)?;
        }
        let spec = mode.spec(
            run,
            &label,
            &[],
            vec![
                ("VELO_EVENTS".into(), events.clone().into_os_string()),
                ("VELO_STACKS".into(), stacks.clone().into_os_string()),
                ("VELO_SELECT".into(), select.clone().into_os_string()),
                ("VELO_GO".into(), go.clone().into_os_string()),
            ],
        );
        // --test-memory: the session in a group with the limit; the running test is charged.
        let group = run.memory_group("session")?;
        let spec = Spec {
            cgroup: group.as_ref().map(|g| g.procs_path().to_owned()),
            ..spec
        };
        Ok(Self {
            running: Running::spawn(&spec)?,
            group,
            label,
            events,
            stacks,
            select,
            go,
        })
    }

    /// Lets the process collect and run the tests `body` selects.
    pub(super) fn go(&self, body: &str) -> Result<(), PytestError> {
        if self.go.exists() {
            return Ok(());
        }
        release(&self.select, &self.go, body)
    }

    /// Ends a spare that was not needed and removes its empty output files from
    /// `--output-dir`. It ran nothing and started nothing (it waits before collecting): a
    /// SIGKILL to it alone, no grace; `finish` still sweeps anything of its run.
    pub(super) fn discard(self, run: &Run) {
        self.running.signal_main(Signal::KILL);
        let finished = self.running.finish();
        for path in [finished.stdout_path, finished.stderr_path]
            .into_iter()
            .flatten()
        {
            if path.starts_with(run.out_dir())
                && std::fs::metadata(&path).is_ok_and(|m| m.len() == 0)
            {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Writes the selection, then the file that tells the plugin to read it.
fn release(select: &Path, go: &Path, body: &str) -> Result<(), PytestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PytestError::Io { path, source }
    };
    std::fs::write(select, body).map_err(io(select))?;
    std::fs::write(go, "").map_err(io(go))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_session_collects_the_modules_of_the_tests_left() {
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let rest = ids(&[
            "t/test_a.py::test_one",
            "t/test_a.py::test_hangs",
            "t/test_b.py::test_p[x::y]",
            "t/sub/test_c.py::C::test_m[a b]",
            "t/test_b.py::test_q",
        ]);
        let done: HashSet<String> = ids(&["t/test_a.py::test_one", "t/test_a.py::test_hangs"])
            .into_iter()
            .collect();
        // The whole selection, nothing known yet: collect what the user named.
        assert_eq!(Selection::default().files(&done), None);
        let sel = Selection {
            rest: Some(rest.clone()),
            ..Selection::default()
        };
        assert_eq!(
            sel.files(&done),
            Some(ids(&["t/test_b.py", "t/sub/test_c.py"]))
        );
        // `only` (a shard, a retry) wins over `rest`; `skip` counts as done.
        let sel = Selection {
            only: Some(ids(&["t/test_a.py::test_hangs", "t/test_b.py::test_q"])),
            skip: ids(&["t/test_b.py::test_q"]),
            rest: Some(rest),
        };
        assert_eq!(sel.files(&HashSet::new()), Some(ids(&["t/test_a.py"])));
        assert_eq!(sel.files(&done), Some(Vec::new()));
    }
}
