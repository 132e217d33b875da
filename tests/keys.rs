//! API-key management end to end: `gwc keys …` and `gwc usage` (the real CLI binary) against
//! the admin listener of running `plans` gateways, in memory and on two replicas sharing one
//! real Redis, with requests over TCP between the steps: a created key admits (200), a
//! disabled one gets 403 `{"message":"Forbidden"}`, enabled again it admits, deleted it is
//! refused; usage per day matches the requests admitted; the public listener has no admin API.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use crate::harness::client::{self, Conn};
use crate::harness::process::GatewayProcess;
use crate::harness::redis::RedisServer;
use crate::harness::{Backend, Failure, Target, TestResult, annotate, binaries, eventually, plans};

/// Starts a `plans` gateway with its admin listener on a free port.
fn start(target: &Target, backend: &str, extra: &[&str]) -> Result<GatewayProcess, Failure> {
    let mut flags = vec!["--admin-listen", "127.0.0.1:0"];
    flags.extend_from_slice(extra);
    Ok(plans::start(target, backend, &flags)?)
}

fn admin_url(gw: &GatewayProcess) -> Result<String, Failure> {
    let addr = gw
        .admin_addr()
        .ok_or_else(|| Failure("no admin listener".to_owned()))?;
    Ok(format!("http://{addr}"))
}

/// Runs `gwc ARGS…`; its stdout, or a failure with its stderr (or, with `expect_failure`, its
/// stderr when it failed).
fn cli(args: &[&str], expect_failure: bool) -> Result<String, Failure> {
    let out = Command::new(binaries::gwc()?).args(args).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match (out.status.success(), expect_failure) {
        (true, false) => Ok(stdout),
        (false, true) => Ok(stderr),
        (ok, _) => Err(Failure(format!(
            "`gwc {}` {} (stdout: {stdout}; stderr: {stderr})",
            args.join(" "),
            if ok {
                "succeeded unexpectedly"
            } else {
                "failed"
            }
        ))),
    }
}

/// Status and body of `GET /pets` with `key`.
async fn get(addr: SocketAddr, key: &str) -> Result<(u16, String), Failure> {
    let mut conn = Conn::open(addr).await?;
    let req = client::request(http::Method::GET, addr, "/pets")
        .header("x-api-key", key)
        .body(client::TestBody::empty())?;
    let reply = conn.send(req).await?;
    Ok((reply.status.as_u16(), reply.text()))
}

/// Polls until `GET /pets` with `key` answers `status` (a change reaches a replica through
/// Redis pub/sub, asynchronously); how many of the polls were admitted.
async fn until_status(
    addr: SocketAddr,
    key: &str,
    status: u16,
    what: &str,
) -> Result<u64, Failure> {
    // A change reaches another replica a little later: polls answered 200
    // before it did were admitted (and counted) all the same.
    let admitted = std::sync::atomic::AtomicU64::new(0);
    let seen = eventually(Duration::from_secs(10), || async {
        match get(addr, key).await {
            Ok((s, body)) => {
                if s == 200 {
                    admitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                (s == status).then_some(body)
            }
            Err(_) => None,
        }
    })
    .await;
    let Some(body) = seen else {
        let now = get(addr, key).await?;
        return Err(Failure(format!(
            "{what}: expected {status} within 10 s, still {now:?}"
        )));
    };
    if status == 403 {
        ensure_eq!(body, r#"{"message":"Forbidden"}"#, "{what}: body");
    }
    Ok(admitted.into_inner())
}

/// The value `gwc keys create` printed.
fn created_value(stdout: &str) -> Result<String, Failure> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("value: "))
        .map(str::to_owned)
        .ok_or_else(|| Failure(format!("no value in {stdout:?}")))
}

/// Today's requests of `key` as `gwc usage --json` reports them.
fn usage_today(admin: &str, key: &str) -> Result<u64, Failure> {
    let out = cli(&["usage", "--admin", admin, "--key", key, "--json"], false)?;
    let v: serde_json::Value =
        serde_json::from_str(out.trim()).map_err(|e| Failure(format!("{e}: {out}")))?;
    let items = v["items"]
        .as_array()
        .ok_or_else(|| Failure(format!("no items: {v}")))?;
    ensure_eq!(items.len(), 1, "one day");
    items[0]["used"]
        .as_u64()
        .ok_or_else(|| Failure(format!("no count: {v}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_managed_through_the_cli_on_a_running_gateway() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("plans"), Target::serve_example("plans")] {
        let gw = start(&target, &backend.url(), &[])?;
        let check = async {
            let addr = gw.addr();
            let admin = admin_url(&gw)?;
            let out = cli(
                &[
                    "keys", "--admin", &admin, "create", "alice", "--plan", "silver",
                ],
                false,
            )?;
            let value = created_value(&out)?;
            ensure!(value.len() >= 20, "short value {value:?}");
            let mut admitted = until_status(addr, &value, 200, "created key").await?;
            for _ in 0..4 {
                ensure_eq!(get(addr, &value).await?.0, 200, "created key again");
                admitted += 1;
            }
            let list = cli(&["keys", "--admin", &admin, "list"], false)?;
            ensure!(
                list.lines()
                    .any(|l| l.starts_with("alice\ttrue\tsilver\tmanaged")),
                "list: {list}"
            );
            ensure!(!list.contains(&value), "the list shows a value: {list}");
            ensure!(
                list.contains("gold-key\ttrue\tgold\tspec"),
                "spec keys listed: {list}"
            );

            cli(&["keys", "--admin", &admin, "disable", "alice"], false)?;
            admitted += until_status(addr, &value, 403, "disabled key").await?;
            cli(&["keys", "--admin", &admin, "enable", "alice"], false)?;
            admitted += until_status(addr, &value, 200, "enabled again").await?;
            ensure_eq!(usage_today(&admin, "alice")?, admitted, "usage today");

            // A spec key can be disabled at run time, not deleted.
            cli(&["keys", "--admin", &admin, "disable", "gold-key"], false)?;
            until_status(addr, "gold-0123456789abcdefghij", 403, "disabled spec key").await?;
            let refused = cli(&["keys", "--admin", &admin, "delete", "gold-key"], true)?;
            ensure!(refused.contains("named by the spec"), "{refused}");
            cli(&["keys", "--admin", &admin, "enable", "gold-key"], false)?;
            until_status(addr, "gold-0123456789abcdefghij", 200, "spec key enabled").await?;

            cli(&["keys", "--admin", &admin, "delete", "alice"], false)?;
            until_status(addr, &value, 403, "deleted key").await?;
            let missing = cli(&["keys", "--admin", &admin, "enable", "alice"], true)?;
            ensure!(missing.contains("404"), "{missing}");
            let bad_plan = cli(
                &[
                    "keys", "--admin", &admin, "create", "bob", "--plan", "platinum",
                ],
                true,
            )?;
            ensure!(bad_plan.contains("no usage plan `platinum`"), "{bad_plan}");

            // The public listener has no admin API.
            let mut conn = Conn::open(addr).await?;
            let req = client::request(http::Method::GET, addr, "/admin/keys")
                .body(client::TestBody::empty())?;
            let reply = conn.send(req).await?;
            ensure!(reply.status != 200, "public /admin/keys answered 200");
            ensure!(
                !reply.text().contains("gold-key"),
                "public listener leaked keys"
            );
            Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_managed_on_one_replica_apply_on_another_through_redis() -> TestResult {
    let Some(redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    let [a, b]: [GatewayProcess; 2] = plans::replicas(
        &redis,
        &[Target::Example("plans"), Target::serve_example("plans")],
        &backend.url(),
        &["--admin-listen", "127.0.0.1:0"],
    )?
    .try_into()
    .map_err(|_| Failure("two replicas".to_owned()))?;
    let check = async {
        let (admin_a, admin_b) = (admin_url(&a)?, admin_url(&b)?);
        let out = cli(
            &[
                "keys",
                "--admin",
                &admin_a,
                "create",
                "carol",
                "--plan",
                "silver@prod",
            ],
            false,
        )?;
        let value = created_value(&out)?;
        let mut admitted = until_status(a.addr(), &value, 200, "created on A, used on A").await?;
        admitted += until_status(b.addr(), &value, 200, "created on A, used on B").await?;
        for gw in [&a, &b, &a] {
            ensure_eq!(
                get(gw.addr(), &value).await?.0,
                200,
                "carol on {}",
                gw.what()
            );
            admitted += 1;
        }
        let list = cli(&["keys", "--admin", &admin_b, "list"], false)?;
        ensure!(
            list.contains("carol\ttrue\tsilver@prod\tmanaged"),
            "B lists: {list}"
        );

        cli(&["keys", "--admin", &admin_b, "disable", "carol"], false)?;
        admitted += until_status(a.addr(), &value, 403, "disabled on B, used on A").await?;
        admitted += until_status(b.addr(), &value, 403, "disabled on B, used on B").await?;
        cli(&["keys", "--admin", &admin_a, "enable", "carol"], false)?;
        admitted += until_status(b.addr(), &value, 200, "enabled on A, used on B").await?;
        admitted += until_status(a.addr(), &value, 200, "enabled on A, used on A").await?;
        // Usage is counted in Redis: both replicas report every admitted request.
        ensure_eq!(usage_today(&admin_a, "carol")?, admitted, "usage via A");
        ensure_eq!(usage_today(&admin_b, "carol")?, admitted, "usage via B");

        cli(&["keys", "--admin", &admin_a, "delete", "carol"], false)?;
        until_status(b.addr(), &value, 403, "deleted on A, used on B").await?;
        until_status(a.addr(), &value, 403, "deleted on A, used on A").await?;
        Ok(())
    };
    check.await.map_err(|e| annotate(&b, annotate(&a, e)))
}
