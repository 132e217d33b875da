//! The `plans` example's gateways: one started with the example's key values in its
//! environment, or several replicas sharing one real Redis (the setup the key, cache and plan
//! tests all need).

use std::process::Command;

use super::process::{GatewayProcess, Target};
use super::redis::RedisServer;
use super::{HarnessError, binaries};

/// The example's key values (`specs/plans/spec.yaml` reads them from these variables).
pub const GOLD: &str = "gold-0123456789abcdefghij";
/// See [`GOLD`].
pub const SILVER: &str = "silver-0123456789abcdefghij";
/// See [`GOLD`]; the spec disables this key.
pub const RETIRED: &str = "retired-0123456789abcdefghij";

/// Starts `target` (the example, generated or served, or another spec under `gwc serve`) on a
/// free port with `backend` as its `backend` stage variable, no access log, the example's
/// key variables set, and `extra` flags.
pub fn start(
    target: &Target,
    backend: &str,
    extra: &[&str],
) -> Result<GatewayProcess, HarnessError> {
    let mut cmd = match target {
        Target::Example(name) => Command::new(binaries::example_gateway(name)?),
        Target::Serve(spec) => {
            let mut cmd = Command::new(binaries::gwc()?);
            cmd.arg("serve").arg(spec);
            cmd
        }
    };
    cmd.args(["--listen", "127.0.0.1:0"])
        .arg("--stage-variable")
        .arg(format!("backend={backend}"))
        .args(["--access-log", "off"])
        .args(extra)
        .env("GWC_GOLD_KEY", GOLD)
        .env("GWC_SILVER_KEY", SILVER)
        .env("GWC_RETIRED_KEY", RETIRED);
    GatewayProcess::spawn(cmd, target.label())
}

/// One replica per target, all on `redis` (`--state URL`, one worker each, so that replicas
/// and not threads share the counters), each with `extra` flags too.
pub fn replicas(
    redis: &RedisServer,
    targets: &[Target],
    backend: &str,
    extra: &[&str],
) -> Result<Vec<GatewayProcess>, HarnessError> {
    let url = redis.url();
    let mut flags = vec!["--state", url.as_str(), "--workers", "1"];
    flags.extend_from_slice(extra);
    targets
        .iter()
        .map(|target| start(target, backend, &flags))
        .collect()
}
