//! The `gwc` command line: parse arguments, call the library, render diagnostics. Nothing else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    /// Compile a spec into a standalone gateway crate (`cargo run` in it serves the API).
    Build {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Output folder for the crate (created if missing; only files gwc wrote are replaced).
        #[arg(short, long)]
        out: PathBuf,
        /// Depend on this gwc-runtime version from crates.io instead of a path.
        #[arg(long, conflicts_with = "runtime_path")]
        runtime_version: Option<String>,
        /// Depend on the gwc-runtime in this folder (default: this checkout's `runtime/`).
        #[arg(long)]
        runtime_path: Option<PathBuf>,
    },
    /// Write the spec's typed models (serde types for its schemas and operation bodies) as one
    /// Rust module for spec-first handlers; `--report` prints how many schemas have a faithful
    /// type and which constructs do not.
    Models {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Write the module here (default: stdout).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Print the coverage figures (to stderr when the module goes to stdout).
        #[arg(long)]
        report: bool,
    },
    /// Serve a spec without codegen; reload when it (or a file it `$ref`s) changes.
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
        Command::Models { spec, out, report } => models(&spec, out.as_deref(), report, colour),
        Command::Serve { spec, runtime } => serve(&spec, &runtime, colour),
    }
}

fn build(spec: &Path, out: &Path, options: &gwc::build::BuildOptions, colour: bool) -> ExitCode {
    match gwc::build::build(spec, out, options) {
        Ok(built) => {
            report(&built.front, colour);
            let routes = built
                .front
                .lowered
                .as_ref()
                .map_or(0, |l| l.gateway.routes.len());
            let r = &built.report;
            println!(
                "built {} ({routes} route{}) → {}: {} written, {} unchanged, {} removed",
                spec.display(),
                plural(routes),
                out.display(),
                r.written.len(),
                r.unchanged.len(),
                r.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(gwc::build::BuildError::Spec(front)) => {
            report(&front, colour);
            summary_of_errors(spec, &front);
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(spec: &Path, args: &gwc_runtime::RuntimeArgs, colour: bool) -> ExitCode {
    match gwc::serve::serve(spec, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(gwc::serve::ServeError::Spec(front)) => {
            report(&front, colour);
            summary_of_errors(spec, &front);
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn summary_of_errors(spec: &Path, front: &gwc::Frontend) {
    let errors = front.diagnostics.count(gwc::Severity::Error);
    let warnings = front.diagnostics.count(gwc::Severity::Warning);
    eprintln!(
        "error: {} has {errors} error{} and {warnings} warning{}",
        spec.display(),
        plural(errors),
        plural(warnings)
    );
}

/// Prints the diagnostics to stderr; returns true when there was no error.
fn report(front: &gwc::Frontend, colour: bool) -> bool {
    let rendered = front.diagnostics.render(&front.sources, colour);
    if !rendered.is_empty() {
        eprintln!("{rendered}");
    }
    !front.diagnostics.has_errors()
}

fn check(spec: &Path, colour: bool) -> ExitCode {
    let front = gwc::frontend(spec);
    if report(&front, colour) {
        let warnings = front.diagnostics.count(gwc::Severity::Warning);
        let routes = front.lowered.as_ref().map_or(0, |l| l.gateway.routes.len());
        println!(
            "ok: {} — {routes} route{}, {warnings} warning{}",
            spec.display(),
            plural(routes),
            plural(warnings)
        );
        ExitCode::SUCCESS
    } else {
        summary_of_errors(spec, &front);
        ExitCode::FAILURE
    }
}

fn routes(spec: &Path, json: bool, colour: bool) -> ExitCode {
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

fn models(spec: &Path, out: Option<&Path>, report: bool, colour: bool) -> ExitCode {
    let (models, sources, diagnostics) = gwc::models_for(spec);
    let rendered = diagnostics.render(&sources, colour);
    if !rendered.is_empty() {
        eprintln!("{rendered}");
    }
    let Some(models) = models else {
        return ExitCode::FAILURE;
    };
    let name = spec.file_name().map_or_else(
        || spec.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = models.render_for(&name);
    let figures = models.report.render(&name);
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            if report {
                print!("{figures}");
            }
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            if report {
                eprint!("{figures}");
            }
        }
    }
    ExitCode::SUCCESS
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
