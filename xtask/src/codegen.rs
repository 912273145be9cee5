//! Documentation generated from the code: the error-code and exit-code tables in
//! `docs/errors.md`, and the command-line reference in `docs/cli.md`.
//!
//! Each generated block sits between two HTML comments in a hand-written page, so the prose
//! around a table is edited by hand and the table never is. `cargo xtask codegen` rewrites the
//! blocks; `cargo xtask codegen --check` (and this crate's tests) fail when a block is stale,
//! which is how a new error code or flag that was not documented fails CI.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use clap::CommandFactory;
use meetschedify::ErrorCode;
use meetschedify_cli::args::Cli;
use meetschedify_cli::exit::Exit;

/// One generated block: which file, which block, and its contents.
#[derive(Debug)]
pub struct Block {
    /// The file, relative to the workspace root.
    pub file: &'static str,
    /// The block's name in its markers.
    pub name: &'static str,
    /// The generated text.
    pub content: String,
}

/// Every generated block.
pub fn blocks() -> Vec<Block> {
    vec![
        Block {
            file: "docs/errors.md",
            name: "error-codes",
            content: error_code_table(),
        },
        Block {
            file: "docs/errors.md",
            name: "exit-codes",
            content: exit_code_table(),
        },
        Block {
            file: "docs/cli.md",
            name: "cli-reference",
            content: cli_reference(),
        },
    ]
}

fn begin_marker(name: &str) -> String {
    format!("<!-- BEGIN GENERATED {name}: edit the code and run `cargo xtask codegen` -->")
}

fn end_marker(name: &str) -> String {
    format!("<!-- END GENERATED {name} -->")
}

/// Replaces the block `name` in `text` with `content`.
pub fn splice(text: &str, name: &str, content: &str) -> Result<String, String> {
    let (begin, end) = (begin_marker(name), end_marker(name));
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("marker `{begin}` not found"))?;
    let after_begin = start + begin.len();
    let stop = text[after_begin..]
        .find(&end)
        .map(|i| after_begin + i)
        .ok_or_else(|| format!("marker `{end}` not found after its BEGIN"))?;
    Ok(format!(
        "{}\n{}\n{}",
        &text[..after_begin],
        content.trim_end(),
        &text[stop..]
    ))
}

/// Regenerates every block. With `check`, writes nothing and returns the stale files;
/// otherwise writes them and returns the files it changed.
pub fn run(root: &Path, check: bool) -> Result<Vec<String>, String> {
    let mut changed: Vec<String> = Vec::new();
    let mut files: Vec<&str> = blocks().iter().map(|b| b.file).collect();
    files.dedup();
    for file in files {
        let path = root.join(file);
        let before = fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        let mut after = before.clone();
        for block in blocks().iter().filter(|b| b.file == file) {
            after =
                splice(&after, block.name, &block.content).map_err(|e| format!("{file}: {e}"))?;
        }
        if after != before {
            changed.push(file.to_owned());
            if !check {
                fs::write(&path, after).map_err(|e| format!("{file}: {e}"))?;
            }
        }
    }
    Ok(changed)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The error-code table, in declaration order.
pub fn error_code_table() -> String {
    let mut out = String::from(
        "| code | kind | when | retryable by default | suggested HTTP status | CLI exit |\n\
         |---|---|---|---|---|---|\n",
    );
    for &code in ErrorCode::ALL {
        let exit = Exit::for_error(code);
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} | {} |",
            code.as_str(),
            code.kind().as_str(),
            code.description().replace('|', "\\|"),
            yes_no(code.retryable_by_default()),
            code.suggested_http_status(),
            exit.code(),
        );
    }
    out
}

/// The CLI exit-code table.
pub fn exit_code_table() -> String {
    let mut out = String::from("| exit code | meaning |\n|---|---|\n");
    for exit in Exit::ALL {
        let _ = writeln!(out, "| {} | {} |", exit.code(), exit.meaning());
    }
    out
}

/// `--help` of the command and of every subcommand, at a fixed width and without the values
/// of environment variables (which would make the output depend on the machine).
pub fn cli_reference() -> String {
    let mut cmd = Cli::command()
        .term_width(100)
        .mut_args(|a| a.hide_env_values(true))
        .mut_subcommands(|s| s.term_width(100).mut_args(|a| a.hide_env_values(true)));
    cmd.build();
    let mut out = String::new();
    let name = cmd.get_name().to_owned();
    let _ = writeln!(
        out,
        "## `{name}`\n\n```text\n{}\n```\n",
        tidy_help(&cmd.render_long_help().to_string())
    );
    for sub in cmd.get_subcommands_mut() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let sub_name = sub.get_name().to_owned();
        let help = tidy_help(&sub.render_long_help().to_string());
        let _ = writeln!(
            out,
            "## `{name} {sub_name}`\n\n```text\n{}\n```\n",
            help.trim_end()
        );
    }
    out
}

/// Help text without trailing spaces (clap pads blank lines inside a paragraph), so editors that
/// strip them do not make the page look stale.
fn tidy_help(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_block() {
        let text = format!(
            "intro\n{}\nold\n{}\noutro\n",
            begin_marker("t"),
            end_marker("t")
        );
        let out = splice(&text, "t", "new\n").unwrap();
        assert!(out.starts_with("intro\n"));
        assert!(out.contains("\nnew\n<!-- END"));
        assert!(!out.contains("old"));
        assert!(out.ends_with("outro\n"));
        assert_eq!(splice(&out, "t", "new").unwrap(), out, "idempotent");
        assert!(splice("no markers", "t", "x").is_err());
    }

    #[test]
    fn the_tables_cover_every_code_and_exit() {
        let table = error_code_table();
        for code in ErrorCode::ALL {
            assert!(table.contains(&format!("`{}`", code.as_str())), "{code}");
        }
        assert_eq!(exit_code_table().lines().count(), Exit::ALL.len() + 2);
        let cli = cli_reference();
        for command in ["schedule", "connect", "doctor", "demo", "emulator"] {
            assert!(
                cli.contains(&format!("## `meetschedify {command}`")),
                "{command}"
            );
        }
    }
}
