//! `vobiz completions SHELL` and `vobiz man`: what a shell and `man` know
//! of the commands, generated from the same definitions as `--help`.

use std::path::Path;

use clap::CommandFactory;

use crate::output::{Failure, Out};

/// Writes `shell`'s completion script to stdout.
pub fn completions<C: CommandFactory>(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = C::command();
    clap_complete::generate(shell, &mut command, "vobiz", &mut std::io::stdout());
    Ok(())
}

/// Writes `vobiz.1` and one page per command (`vobiz-hangup.1`, ...)
/// into `dir`.
pub fn man<C: CommandFactory>(dir: &Path, out: &Out) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(C::command(), dir).map_err(|e| {
        Failure::Failed(format!(
            "cannot write the man pages into {}: {e}",
            dir.display()
        ))
    })?;
    out.note(&format!(
        "man pages written into {} (try: man -l {}/vobiz.1)",
        dir.display(),
        dir.display()
    ));
    Ok(())
}
