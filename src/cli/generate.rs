//! `velo generate completions|man --out-dir DIR` (hidden): shell completions and man pages from
//! the clap tree. The results are committed in `completions/` and `man/`; a test fails when they
//! drift from the code.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use clap_complete::Shell;

use super::{exit, Context};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: GenerateWhat,
}

#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Bash, zsh, fish and PowerShell completion scripts.
    Completions {
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
    /// Man pages: velo.1 and one velo-<command>.1 per command.
    Man {
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

pub fn run(args: &GenerateArgs, ctx: &Context) -> anyhow::Result<u8> {
    match &args.what {
        GenerateWhat::Completions { out_dir } => {
            let written = completions(out_dir)?;
            ctx.ui.info(&format!(
                "wrote {} completion scripts to {}",
                written.len(),
                out_dir.display()
            ));
        }
        GenerateWhat::Man { out_dir } => {
            let written = man_pages(out_dir)?;
            ctx.ui.info(&format!(
                "wrote {} man pages to {}",
                written.len(),
                out_dir.display()
            ));
        }
    }
    Ok(exit::SUCCESS)
}

/// Writes the completion scripts; returns their paths.
pub fn completions(out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut cmd = super::command();
    let mut written = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "velo", &mut buf);
        let path = out_dir.join(clap_complete::Generator::file_name(&shell, "velo"));
        crate::outfile::replace_file(&path, &buf).with_context(|| {
            format!(
                "cannot write {shell} completions into {}",
                out_dir.display()
            )
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes the man pages; returns their paths.
pub fn man_pages(out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut cmd = super::command();
    cmd.build();
    let mut written = Vec::new();
    let top = out_dir.join("velo.1");
    write_man(&cmd, &top)?;
    written.push(top);
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("velo-{}", sub.get_name());
        let path = out_dir.join(format!("{name}.1"));
        let bin_name = format!("velo {}", sub.get_name());
        let sub = sub.clone().name(name).bin_name(bin_name);
        write_man(&sub, &path)?;
        written.push(path);
    }
    Ok(written)
}

fn write_man(cmd: &clap::Command, path: &Path) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .with_context(|| format!("cannot render {}", path.display()))?;
    crate::outfile::replace_file(path, &buf)
        .with_context(|| format!("cannot write {}", path.display()))
}
