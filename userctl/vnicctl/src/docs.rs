//! Documentation generated from the command-line grammar: shell completion
//! scripts (`vnicctl completion SHELL`) and the manual pages `make install`
//! installs (`vnicctl man-pages DIR`, one page in section 8 per command).

use crate::cli::Cli;
use crate::error::CliError;
use clap::CommandFactory;
use std::path::Path;

/// Prints the completion script of `shell` for vnicctl on stdout.
pub fn completion(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "vnicctl", &mut std::io::stdout());
    Ok(())
}

/// Writes vnicctl.8 and a page per subcommand (vnicctl-link-add.8, ...)
/// into `dir`, which must exist; prints the files written.
pub fn man_pages(dir: &Path) -> Result<(), CliError> {
    if !dir.is_dir() {
        return Err(CliError::Input(format!("{} is not a directory", dir.display())));
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, dir, &mut written)?;
    for w in written {
        println!("{w}");
    }
    Ok(())
}

/// The page of `cmd` and, before it, those of its visible subcommands.
fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<String>) -> Result<(), CliError> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    let man = clap_mangen::Man::new(cmd.clone()).section("8").manual("vnic");
    let path = dir.join(man.get_filename());
    man.generate_to(dir)
        .map_err(|e| CliError::Input(format!("cannot write {}: {}", path.display(), e.to_string().to_lowercase())))?;
    written.push(path.display().to_string());
    Ok(())
}
