//! `cargo xtask`: release, code generation and tidy checks for the workspace.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  tidy    check workspace conventions (manifests, READMEs, docs, features, stubs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tidy") => {
            let problems = xtask::tidy::check(&xtask::workspace_root());
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
