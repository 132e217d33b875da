//! The `gwc` command line: parse arguments, call the library, render diagnostics. Nothing else.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// gwc — compile an OpenAPI document with x-gateway extensions into a standalone Rust API gateway.
#[derive(Debug, Parser)]
#[command(name = "gwc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour output: auto (only on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and check a spec; print every diagnostic; exit 1 on any error.
    Check {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
    },
    /// Print the route table: method, path, integration, auth, plan, cache.
    Routes {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Generate a standalone gateway crate (Cargo.toml, Cargo.lock, src/) from a spec.
    Build {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Output folder; created if missing. Only files gwc wrote are ever replaced or removed.
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
        /// Depend on this crates.io version of gwc-runtime instead of a path.
        #[arg(long, value_name = "VERSION", conflicts_with = "runtime_path")]
        runtime_version: Option<String>,
        /// Depend on the gwc-runtime sources in this folder (default: the runtime gwc was built
        /// from, by a path relative to the output folder).
        #[arg(long, value_name = "DIR")]
        runtime_path: Option<PathBuf>,
    },
    /// Serve a spec directly, without codegen; reload when it (or a file it `$ref`s) changes.
    Serve {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        #[command(flatten)]
        runtime: gwc_runtime::RuntimeArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = match cli.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match cli.command {
        Command::Check { spec } => check(&spec, colour),
        Command::Routes { spec, json } => routes(&spec, json, colour),
        Command::Build {
            spec,
            out,
            runtime_version,
            runtime_path,
        } => {
            let runtime = match (runtime_version, runtime_path) {
                (Some(v), _) => Some(gwc::build::RuntimeChoice::Version(v)),
                (None, Some(p)) => Some(gwc::build::RuntimeChoice::Path(p)),
                (None, None) => None,
            };
            build(&spec, &out, &gwc::build::BuildOptions { runtime }, colour)
        }
        Command::Serve { spec, runtime } => serve(&spec, &runtime, colour),
    }
}

fn build(
    spec: &std::path::Path,
    out: &std::path::Path,
    options: &gwc::build::BuildOptions,
    colour: bool,
) -> ExitCode {
    match gwc::build::build(spec, out, options) {
        Ok(built) => {
            report(&built.front, colour);
            let r = &built.report;
            println!(
                "built {} into {}: {} written, {} unchanged, {} removed",
                spec.display(),
                out.display(),
                r.written.len(),
                r.unchanged.len(),
                r.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(gwc::build::BuildError::Spec(front)) => {
            report(&front, colour);
            eprintln!("error: {} has errors; nothing written", spec.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(spec: &std::path::Path, args: &gwc_runtime::RuntimeArgs, colour: bool) -> ExitCode {
    match gwc::serve::serve_with(spec, args, colour) {
        Ok(()) => ExitCode::SUCCESS,
        Err(gwc::serve::ServeError::Spec(front)) => {
            report(&front, colour);
            eprintln!("error: {} has errors; not serving", spec.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the diagnostics to stderr; returns true when there was no error.
fn report(front: &gwc::Frontend, colour: bool) -> bool {
    let rendered = front.diagnostics.render(&front.sources, colour);
    if !rendered.is_empty() {
        eprintln!("{rendered}");
    }
    !front.diagnostics.has_errors()
}

fn check(spec: &std::path::Path, colour: bool) -> ExitCode {
    let front = gwc::frontend(spec);
    let ok = report(&front, colour);
    let errors = front.diagnostics.count(gwc::Severity::Error);
    let warnings = front.diagnostics.count(gwc::Severity::Warning);
    if ok {
        let routes = front.lowered.as_ref().map_or(0, |l| l.gateway.routes.len());
        println!(
            "ok: {} — {routes} route{}, {warnings} warning{}",
            spec.display(),
            plural(routes),
            plural(warnings)
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: {} has {errors} error{} and {warnings} warning{}",
            spec.display(),
            plural(errors),
            plural(warnings)
        );
        ExitCode::FAILURE
    }
}

fn routes(spec: &std::path::Path, json: bool, colour: bool) -> ExitCode {
    let front = gwc::frontend(spec);
    if !report(&front, colour) {
        return ExitCode::FAILURE;
    }
    let Some(lowered) = &front.lowered else {
        return ExitCode::FAILURE;
    };
    let rows = gwc::routes::rows(lowered);
    let text = if json {
        gwc::routes::to_json(&rows)
    } else {
        gwc::routes::to_table(&rows)
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`gwc routes … | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
