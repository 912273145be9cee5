//! `cargo xtask`: release, code generation and tidy checks for the workspace.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  tidy                    check workspace conventions (manifests, READMEs, docs, features, stubs,
                          MSRV of Cargo.lock)
  codegen [--check]       regenerate docs/errors.md and docs/cli.md from the code; with --check,
                          fail if they are stale instead
  release --dry-run <major|minor|patch|X.Y.Z> [--no-package]
                          check a lockstep release and print its plan (publishes nothing)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    let flag = |f: &str| args.iter().any(|a| a == f);
    match args.first().map(String::as_str) {
        Some("tidy") => {
            let problems = xtask::tidy::check(&root);
            if problems.is_empty() {
                println!("tidy: all checks passed");
                ExitCode::SUCCESS
            } else {
                for p in &problems {
                    eprintln!("tidy: {p}");
                }
                eprintln!("tidy: {} problem(s)", problems.len());
                ExitCode::FAILURE
            }
        }
        Some("codegen") => {
            let check = flag("--check");
            match xtask::codegen::run(&root, check) {
                Ok(files) if files.is_empty() => {
                    println!("codegen: generated docs are up to date");
                    ExitCode::SUCCESS
                }
                Ok(files) if check => {
                    eprintln!(
                        "codegen: stale: {} (run `cargo xtask codegen`)",
                        files.join(", ")
                    );
                    ExitCode::FAILURE
                }
                Ok(files) => {
                    println!("codegen: wrote {}", files.join(", "));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("codegen: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("release") => {
            if !flag("--dry-run") {
                eprintln!(
                    "release: only --dry-run is implemented: publishing happens from a release \
                     machine with a crates.io token, following the printed plan"
                );
                return ExitCode::from(2);
            }
            let Some(level) = args.iter().skip(1).find(|a| !a.starts_with("--")) else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            let plan = xtask::release::Bump::parse(level)
                .and_then(|bump| xtask::release::dry_run(&root, &bump, !flag("--no-package")));
            match plan {
                Ok(plan) => {
                    print!("{plan}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("release: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
