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
    /// Web application firewall tools.
    #[command(subcommand)]
    Waf(WafCommand),
    /// Manage the API keys of a running gateway (through its admin listener).
    Keys {
        /// The gateway's admin listener, e.g. http://127.0.0.1:9901 (its --admin-listen).
        #[arg(long, global = true, env = "GWC_ADMIN")]
        admin: Option<String>,
        /// Print the gateway's JSON answer instead of a table.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Requests per day of one API key (AWS GetUsage), from a running gateway.
    Usage {
        /// The gateway's admin listener, e.g. http://127.0.0.1:9901.
        #[arg(long, env = "GWC_ADMIN")]
        admin: Option<String>,
        /// The key's id (name).
        #[arg(long)]
        key: String,
        /// First day, YYYY-MM-DD (UTC; default today).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (UTC; default today).
        #[arg(long)]
        to: Option<String>,
        /// Print the gateway's JSON answer instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The response cache of a running gateway.
    Cache {
        /// The gateway's admin listener, e.g. http://127.0.0.1:9901.
        #[arg(long, global = true, env = "GWC_ADMIN")]
        admin: Option<String>,
        #[command(subcommand)]
        action: CacheAction,
    },
}

#[derive(Debug, Subcommand)]
enum WafCommand {
    /// Convert an AWS WAF web ACL (the JSON `aws wafv2 get-web-acl` prints) into the
    /// `x-gateway.waf` vocabulary; print what could not be mapped exactly.
    ///
    /// Maps IP set, geo, rate-based, byte, regex, regex pattern set, size, SQLi and XSS
    /// statements, and/or/not, text transformations, fields to match, actions with custom
    /// responses, the default action, and AWS's common, SQL database, known bad inputs and IP
    /// reputation managed groups with their rule overrides.
    Import {
        /// The web ACL export.
        acl: PathBuf,
        /// An IP set or regex pattern set the ACL references (`aws wafv2 get-ip-set` /
        /// `get-regex-pattern-set` output); repeat for each.
        #[arg(long = "set")]
        sets: Vec<PathBuf>,
        /// A CIDR list file for AWS's IP reputation group (Amazon's list is not public).
        #[arg(long = "ip-reputation-list")]
        ip_reputation_lists: Vec<String>,
        /// A MaxMind country database for geo rules (written as `geo_database`).
        #[arg(long)]
        geo_database: Option<String>,
        /// Take byte-match search strings as written (the AWS CLI prints them in base64).
        #[arg(long)]
        raw_search_strings: bool,
        /// Write the YAML here instead of standard output.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Every key: id, enabled, plans (never a value).
    List,
    /// Create a key; its value is printed once and stored only as a SHA-256 digest.
    Create {
        /// The key's id (`$context.identity.apiKeyId`).
        name: String,
        /// A usage plan, `PLAN` or `PLAN@STAGE` (only on that stage); repeat for several.
        #[arg(long = "plan", required = true)]
        plans: Vec<String>,
        /// Use this value (20 to 128 visible ASCII characters) instead of a random one.
        #[arg(long)]
        value: Option<String>,
        /// Create it disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Enable a key.
    Enable {
        /// The key's id.
        name: String,
    },
    /// Disable a key (requests with it get 403).
    Disable {
        /// The key's id.
        name: String,
    },
    /// Delete a key created at run time.
    Delete {
        /// The key's id.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum CacheAction {
    /// Drop every cached response of the API (on every replica, with Redis).
    Flush,
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
        Command::Waf(WafCommand::Import {
            acl,
            sets,
            ip_reputation_lists,
            geo_database,
            raw_search_strings,
            out,
        }) => waf_import(
            &acl,
            &gwc::waf_import::ImportOptions {
                sets,
                ip_reputation_lists,
                geo_database,
                raw_search_strings,
            },
            out.as_deref(),
            colour,
        ),
        Command::Keys {
            admin,
            json,
            action,
        } => keys(admin.as_deref(), json, action),
        Command::Usage {
            admin,
            key,
            from,
            to,
            json,
        } => {
            let mut path = format!("/admin/usage?key={}", gwc::admin::segment(&key));
            for (name, value) in [("from", from), ("to", to)] {
                if let Some(v) = value {
                    path.push_str(&format!("&{name}={}", gwc::admin::segment(&v)));
                }
            }
            admin_command(admin.as_deref(), "GET", &path, None, |v| {
                if json {
                    format!("{v}\n")
                } else {
                    gwc::admin::usage_table(v)
                }
            })
        }
        Command::Cache {
            admin,
            action: CacheAction::Flush,
        } => admin_command(admin.as_deref(), "POST", "/admin/cache/flush", None, |v| {
            format!("flushed {} entries\n", v["flushed"])
        }),
    }
}

fn waf_import(
    acl: &Path,
    options: &gwc::waf_import::ImportOptions,
    out: Option<&Path>,
    colour: bool,
) -> ExitCode {
    let mut sources = gwc::source::SourceMap::new();
    let mut diags = gwc::Diagnostics::new();
    let imported = gwc::waf_import::import(acl, options, &mut sources, &mut diags);
    let rendered = diags.render(&sources, colour);
    if !rendered.is_empty() {
        eprintln!("{rendered}");
    }
    let Some(imported) = imported.filter(|_| !diags.has_errors()) else {
        eprintln!("error: {} could not be imported", acl.display());
        return ExitCode::FAILURE;
    };
    let written = match out {
        Some(path) => std::fs::write(path, &imported.yaml),
        None => std::io::stdout().lock().write_all(imported.yaml.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the YAML: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "imported {} rule{} from {}; {} left out (see the warnings above); paste the YAML under `x-gateway.waf`",
        imported.rules,
        plural(imported.rules),
        acl.display(),
        imported.skipped
    );
    ExitCode::SUCCESS
}

/// Runs one management call and prints its rendering; errors go to stderr, exit 1.
fn admin_command(
    admin: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    render: impl FnOnce(&serde_json::Value) -> String,
) -> ExitCode {
    let Some(url) = admin else {
        eprintln!(
            "error: no admin listener given: pass --admin http://HOST:PORT (or set GWC_ADMIN)"
        );
        return ExitCode::FAILURE;
    };
    match gwc::admin::Admin::new(url).and_then(|a| a.call(method, path, body)) {
        Ok(value) => {
            print!("{}", render(&value));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keys(admin: Option<&str>, json: bool, action: KeysAction) -> ExitCode {
    let raw = move |v: &serde_json::Value| format!("{v}\n");
    match action {
        KeysAction::List => admin_command(admin, "GET", "/admin/keys", None, |v| {
            if json {
                raw(v)
            } else {
                gwc::admin::keys_table(v)
            }
        }),
        KeysAction::Create {
            name,
            plans,
            value,
            disabled,
        } => {
            let mut body = serde_json::json!({
                "name": name,
                "plans": plans.iter().map(|p| gwc::admin::plan_link(p)).collect::<Vec<_>>(),
                "enabled": !disabled,
            });
            if let Some(v) = value {
                body["value"] = serde_json::Value::String(v);
            }
            admin_command(admin, "POST", "/admin/keys", Some(&body), |v| {
                if json {
                    raw(v)
                } else {
                    format!(
                        "created API key `{}`\nvalue: {}\n(shown once: the gateway keeps only its SHA-256)\n",
                        v["key"]["id"].as_str().unwrap_or("?"),
                        v["value"].as_str().unwrap_or("?")
                    )
                }
            })
        }
        KeysAction::Enable { name } => toggle(admin, json, &name, "enable"),
        KeysAction::Disable { name } => toggle(admin, json, &name, "disable"),
        KeysAction::Delete { name } => admin_command(
            admin,
            "DELETE",
            &format!("/admin/keys/{}", gwc::admin::segment(&name)),
            None,
            |v| {
                if json {
                    raw(v)
                } else {
                    format!("deleted API key `{name}`\n")
                }
            },
        ),
    }
}

fn toggle(admin: Option<&str>, json: bool, name: &str, action: &str) -> ExitCode {
    admin_command(
        admin,
        "POST",
        &format!("/admin/keys/{}/{action}", gwc::admin::segment(name)),
        None,
        |v| {
            if json {
                format!("{v}\n")
            } else {
                format!("{action}d API key `{name}`\n")
            }
        },
    )
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
