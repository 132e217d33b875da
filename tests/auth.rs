//! Authorizers end to end: the `jwt` and `cognito` examples (generated and `gwc serve`) in
//! front of an echo backend, with an identity provider the test serves (OpenID discovery, a
//! JWKS it can rotate, Cognito's `/.well-known/jwks.json`) and tokens minted by PyJWT
//! (`tests/fixtures/jwt_mint.py`) with keys made per run.
//!
//! Every refusal is checked for AWS's status and body: 401 `{"message":"Unauthorized"}` with a
//! bearer challenge, 403 on a missing scope.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::harness::client::{self, TestBody};
use crate::harness::{
    Backend, Failure, GatewayProcess, HarnessError, Target, TestResult, annotate, binaries,
    eventually,
};

/// A local identity provider: discovery, a replaceable JWKS, and how often each was fetched.
struct Idp {
    addr: SocketAddr,
    jwks: Arc<Mutex<String>>,
    key_fetches: Arc<AtomicUsize>,
    discovery_fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Idp {
    async fn start(jwks: &Value) -> std::io::Result<Idp> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let body = Arc::new(Mutex::new(jwks.to_string()));
        let key_fetches = Arc::new(AtomicUsize::new(0));
        let discovery_fetches = Arc::new(AtomicUsize::new(0));
        let (b, k, d) = (
            Arc::clone(&body),
            Arc::clone(&key_fetches),
            Arc::clone(&discovery_fetches),
        );
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (b, k, d) = (Arc::clone(&b), Arc::clone(&k), Arc::clone(&d));
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let (b, k, d) = (Arc::clone(&b), Arc::clone(&k), Arc::clone(&d));
                        async move {
                            let url = format!("http://{addr}");
                            let (status, text) = match req.uri().path() {
                                "/.well-known/openid-configuration" => {
                                    d.fetch_add(1, Ordering::SeqCst);
                                    let doc =
                                        json!({"issuer": url, "jwks_uri": format!("{url}/keys")});
                                    (StatusCode::OK, doc.to_string())
                                }
                                "/keys" | "/.well-known/jwks.json" => {
                                    k.fetch_add(1, Ordering::SeqCst);
                                    (StatusCode::OK, b.lock().unwrap().clone())
                                }
                                _ => (StatusCode::NOT_FOUND, String::new()),
                            };
                            let mut resp = Response::new(Full::new(Bytes::from(text)));
                            *resp.status_mut() = status;
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Idp {
            addr,
            jwks: body,
            key_fetches,
            discovery_fetches,
            task,
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set_jwks(&self, jwks: &Value) {
        *self.jwks.lock().unwrap() = jwks.to_string();
    }

    fn key_fetches(&self) -> usize {
        self.key_fetches.load(Ordering::SeqCst)
    }
}

/// A Python with PyJWT (Debian's `python3-jwt` lives in the system Python).
fn python_with(module: &str) -> Result<String, Failure> {
    for candidate in ["python3", "/usr/bin/python3", "/bin/python3"] {
        let ok = Command::new(candidate)
            .arg("-c")
            .arg(format!("import {module}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(candidate.to_owned());
        }
    }
    Err(Failure(format!(
        "no python3 with the `{module}` module (install python3-jwt / botocore)"
    )))
}

/// Keys and tokens from `jwt_mint.py`: the JWKS of the published keys, the JWKS of every key,
/// and one token per spec.
fn mint(keys: &Value, tokens: &[Value]) -> Result<(Value, Value, Vec<String>), Failure> {
    use std::io::Write;
    let python = python_with("jwt")?;
    let script = binaries::workspace_root().join("tests/fixtures/jwt_mint.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure(format!("jwt_mint.py: {e}")))?;
    let input = json!({"keys": keys, "tokens": tokens}).to_string();
    child
        .stdin
        .take()
        .ok_or_else(|| Failure("no stdin".into()))?
        .write_all(input.as_bytes())
        .map_err(|e| Failure(e.to_string()))?;
    let out = child
        .wait_with_output()
        .map_err(|e| Failure(e.to_string()))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "jwt_mint.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| Failure(e.to_string()))?;
    let tokens = v["tokens"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((v["jwks"].clone(), v["all"].clone(), tokens))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Starts `target` with the stage variables and environment the auth examples need.
fn start(
    target: &Target,
    backend: &str,
    issuer: &str,
    env: &[(&str, &str)],
) -> Result<GatewayProcess, HarnessError> {
    let mut cmd = match target {
        Target::Example(name) => Command::new(binaries::example_gateway(name)?),
        Target::Serve(spec) => {
            let mut cmd = Command::new(binaries::gwc()?);
            cmd.arg("serve").arg(spec);
            cmd
        }
    };
    cmd.arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--stage-variable")
        .arg(format!("backend={backend}"))
        .arg("--stage-variable")
        .arg(format!("issuer={issuer}"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    GatewayProcess::spawn(cmd, target.label())
}

/// One request with an optional `Authorization` header.
async fn call(
    addr: SocketAddr,
    method: Method,
    path: &str,
    authorization: Option<&str>,
) -> Result<client::Reply, Failure> {
    let mut req = client::request(method, addr, path);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let req = req
        .body(TestBody::empty())
        .map_err(|e| Failure(e.to_string()))?;
    Ok(client::send(addr, req).await?)
}

/// Checks an answer: the status, and for refusals AWS's body.
fn expect(reply: &client::Reply, status: u16, what: &str) -> TestResult {
    ensure_eq!(
        reply.status.as_u16(),
        status,
        "{what} (body {})",
        reply.text()
    );
    match status {
        401 => {
            ensure_eq!(
                reply.text(),
                r#"{"message":"Unauthorized"}"#,
                "{what}: body"
            );
            ensure!(
                reply
                    .header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Bearer")),
                "{what}: WWW-Authenticate missing"
            );
        }
        403 => ensure_eq!(
            reply.text(),
            r#"{"message":"User is not authorized to access this resource"}"#,
            "{what}: body"
        ),
        _ => {}
    }
    Ok(())
}

const SECRET: &str = "an HS256 secret only the test and the gateway know";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_authorizer_accepts_and_refuses_as_aws() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("jwt"), Target::serve_example("jwt")] {
        // Keys are per gateway run, so each run starts with an empty key cache and a fresh
        // rate limit.
        let keys = json!([
            {"kid": "rsa1", "kty": "RSA"},
            {"kid": "ec1", "kty": "EC"},
            {"kid": "ed1", "kty": "OKP"},
            {"kid": "rsa2", "kty": "RSA", "publish": false},
        ]);
        let idp = Idp::start(&json!({})).await?;
        let iss = idp.url();
        // Started (and, the first time, built) before the tokens are minted, so that their
        // times are fresh when they are sent.
        let gw = start(&target, &backend.url(), &iss, &[("GWC_JWT_SECRET", SECRET)])?;
        let t = now();
        let base = json!({"iss": iss, "sub": "alice", "aud": "pets-api", "exp": t + 600, "iat": t});
        let with = |extra: Value| {
            let mut c = base.clone();
            if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
                for (k, v) in e {
                    if v.is_null() {
                        c.remove(k);
                    } else {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
            c
        };
        let specs = vec![
            json!({"kid": "rsa1", "alg": "RS256", "claims": base}), // 0
            json!({"kid": "ec1", "alg": "ES256", "claims": base}),  // 1
            json!({"kid": "rsa1", "alg": "PS256", "claims": base}), // 2
            json!({"kid": "ed1", "alg": "EdDSA", "claims": base}),  // 3
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"exp": t - 120}))}), // 4 expired
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"exp": t - 10}))}), // 5 within leeway
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"nbf": t + 300}))}), // 6
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"iat": t + 300}))}), // 7
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"iss": "https://evil.example"}))}), // 8
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"aud": "other"}))}), // 9
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"aud": ["x", "pets-admin"]}))}), // 10
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"aud": null, "client_id": "pets-api"}))}), // 11
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"scope": "openid pets:write"}))}), // 12
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"scp": ["pets:admin"]}))}), // 13
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"scope": "pets:read"}))}), // 14
            json!({"kid": "rsa1", "mangle": "none", "claims": base}), // 15
            json!({"kid": "rsa1", "mangle": "confusion", "claims": base}), // 16
            json!({"kid": "rsa1", "alg": "RS384", "claims": base}),   // 17 not allowed
            json!({"mangle": "hs_secret", "secret": SECRET, "alg": "HS256", "claims": base}), // 18
            json!({"mangle": "hs_secret", "secret": "wrong", "alg": "HS256", "claims": base}), // 19
            json!({"kid": "rsa1", "alg": "RS256", "claims": with(json!({"exp": null}))}), // 20 no exp
            json!({"kid": "rsa2", "alg": "RS256", "claims": base}), // 21 rotated-in key
        ];
        // Mint with the same keys the JWKS publishes: one call makes both.
        let (jwks, every, tokens) = mint(&keys, &specs)?;
        idp.set_jwks(&jwks);
        run_jwt_cases(&gw, &idp, &tokens, &every)
            .await
            .map_err(|e| annotate(&gw, e))?;
        ensure!(!gw.stderr().contains(&tokens[0]), "a token reached the log");
    }
    Ok(())
}

async fn run_jwt_cases(
    gw: &GatewayProcess,
    idp: &Idp,
    tokens: &[String],
    every: &Value,
) -> TestResult {
    let addr = gw.addr();
    let bearer = |i: usize| format!("Bearer {}", tokens[i]);
    let get = |auth: Option<String>| async move {
        call(addr, Method::GET, "/pets", auth.as_deref()).await
    };

    expect(
        &call(addr, Method::GET, "/health", None).await?,
        200,
        "public route",
    )?;
    expect(&get(None).await?, 401, "no token")?;
    let r = get(Some(bearer(0))).await?;
    expect(&r, 200, "RS256")?;
    ensure_eq!(r.json()?["path"], "/pets", "backend reached");
    ensure_eq!(
        idp.discovery_fetches.load(Ordering::SeqCst),
        1,
        "discovery fetched once"
    );
    expect(&get(Some(bearer(1))).await?, 200, "ES256")?;
    expect(&get(Some(bearer(2))).await?, 200, "PS256")?;
    expect(&get(Some(bearer(3))).await?, 200, "EdDSA")?;
    expect(
        &get(Some(tokens[0].clone())).await?,
        200,
        "token without `Bearer `",
    )?;
    expect(&get(Some(bearer(4))).await?, 401, "expired")?;
    expect(
        &get(Some(bearer(5))).await?,
        200,
        "expired within the leeway",
    )?;
    expect(&get(Some(bearer(6))).await?, 401, "not yet valid (nbf)")?;
    expect(
        &get(Some(bearer(7))).await?,
        401,
        "issued in the future (iat)",
    )?;
    expect(&get(Some(bearer(8))).await?, 401, "wrong issuer")?;
    expect(&get(Some(bearer(9))).await?, 401, "wrong audience")?;
    expect(
        &get(Some(bearer(10))).await?,
        200,
        "second audience in an array",
    )?;
    expect(&get(Some(bearer(11))).await?, 200, "client_id as audience")?;
    expect(&get(Some(bearer(20))).await?, 401, "no exp")?;
    // Scopes: POST /pets needs pets:write or pets:admin.
    let post = |auth: String| async move { call(addr, Method::POST, "/pets", Some(&auth)).await };
    expect(&post(bearer(0)).await?, 403, "no scope")?;
    let r = post(bearer(0)).await?;
    ensure!(
        r.header("www-authenticate")
            .is_some_and(|v| v.contains("insufficient_scope")),
        "scope challenge"
    );
    expect(&post(bearer(14)).await?, 403, "another scope")?;
    expect(&post(bearer(12)).await?, 200, "scope (space separated)")?;
    expect(&post(bearer(13)).await?, 200, "scp (array)")?;
    // Attacks.
    expect(&get(Some(bearer(15))).await?, 401, "alg none")?;
    expect(
        &get(Some(bearer(16))).await?,
        401,
        "HS256 signed with the RSA public key",
    )?;
    expect(
        &get(Some(bearer(17))).await?,
        401,
        "algorithm not on the allow-list",
    )?;
    let huge = format!("Bearer {}", "A".repeat(100 * 1024));
    expect(&get(Some(huge)).await?, 401, "100 KiB token")?;
    for junk in [
        "a.b.c",
        "!!!.???.###",
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        "onlyonepart",
        "a.b.c.d",
    ] {
        expect(
            &get(Some(format!("Bearer {junk}"))).await?,
            401,
            "malformed `{junk}`",
        )?;
    }
    // The token in the query string.
    let q = call(
        addr,
        Method::GET,
        &format!("/stream?token={}", tokens[0]),
        None,
    )
    .await?;
    expect(&q, 200, "token in ?token=")?;
    expect(
        &call(addr, Method::GET, "/stream", Some(&bearer(0))).await?,
        401,
        "query source, header ignored",
    )?;
    // HS256 with the secret from the environment; the RSA-signed token does not pass there.
    expect(
        &call(addr, Method::GET, "/internal", Some(&bearer(18))).await?,
        200,
        "HS256",
    )?;
    expect(
        &call(addr, Method::GET, "/internal", Some(&bearer(19))).await?,
        401,
        "HS256, wrong secret",
    )?;
    expect(
        &call(addr, Method::GET, "/internal", Some(&bearer(0))).await?,
        401,
        "RS256 on an HS256 route",
    )?;

    // A flood of made-up kids: refused, and the issuer is asked a bounded number of times.
    let before = idp.key_fetches();
    let forged: Vec<Value> = (0..40)
        .map(|i| json!({"kid": "rsa1", "alg": "RS256", "header": {"kid": format!("made-up-{i}")}, "claims": {"iss": idp.url(), "aud": "pets-api", "exp": now() + 600}}))
        .collect();
    let (_, _, forged) = mint(&json!([{"kid": "rsa1", "kty": "RSA"}]), &forged)?;
    for f in &forged {
        expect(&get(Some(format!("Bearer {f}"))).await?, 401, "made-up kid")?;
    }
    let fetched = idp.key_fetches() - before;
    ensure!(fetched <= 2, "{fetched} JWKS fetches for 40 made-up kids");

    // Rotation: the issuer drops rsa1 and publishes rsa2. Once the refetch interval has passed,
    // a token of the new key makes the gateway fetch the new set; the old key's tokens then fail.
    expect(&get(Some(bearer(21))).await?, 401, "not yet published key")?;
    tokio::time::sleep(Duration::from_millis(5_200)).await;
    let rotated: Vec<Value> = every["keys"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k["kid"] != "rsa1")
        .collect();
    idp.set_jwks(&json!({ "keys": rotated }));
    expect(&get(Some(bearer(21))).await?, 200, "new key after rotation")?;
    expect(
        &get(Some(bearer(0))).await?,
        401,
        "removed key after rotation",
    )?;
    expect(
        &get(Some(bearer(1))).await?,
        200,
        "key kept across rotation",
    )?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cognito_user_pool_tokens_as_aws() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("cognito"), Target::serve_example("cognito")] {
        let idp = Idp::start(&json!({})).await?;
        let iss = idp.url();
        let gw = start(&target, &backend.url(), &iss, &[])?;
        let t = now();
        let access = json!({"iss": iss, "sub": "u1", "token_use": "access", "client_id": "app-client-1", "scope": "orders/read", "exp": t + 600, "iat": t});
        let with = |extra: Value| {
            let mut c = access.clone();
            if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
                for (k, v) in e {
                    c.insert(k.clone(), v.clone());
                }
            }
            c
        };
        let (jwks, _, tokens) = mint(
            &json!([{"kid": "pool1", "kty": "RSA"}]),
            &[
                json!({"kid": "pool1", "alg": "RS256", "claims": access}),
                json!({"kid": "pool1", "alg": "RS256", "claims": with(json!({"scope": "orders/write"}))}),
                json!({"kid": "pool1", "alg": "RS256", "claims": {"iss": iss, "sub": "u1", "token_use": "id", "aud": "app-client-1", "exp": t + 600}}),
                json!({"kid": "pool1", "alg": "RS256", "claims": with(json!({"scope": "openid", "cognito:groups": ["admins"]}))}),
                json!({"kid": "pool1", "alg": "RS256", "claims": with(json!({"client_id": "someone-else"}))}),
            ],
        )?;
        idp.set_jwks(&jwks);
        let addr = gw.addr();
        let run = async {
            // REST style: the raw token in `Authorization`, no `Bearer`.
            let r = call(addr, Method::GET, "/orders", Some(&tokens[0])).await?;
            expect(&r, 200, "access token with the scope")?;
            ensure_eq!(
                idp.discovery_fetches.load(Ordering::SeqCst),
                0,
                "Cognito keys need no discovery"
            );
            expect(
                &call(addr, Method::GET, "/orders", Some(&tokens[1])).await?,
                403,
                "access token without the scope",
            )?;
            expect(
                &call(addr, Method::GET, "/orders", Some(&tokens[2])).await?,
                401,
                "id token where access tokens are expected",
            )?;
            expect(
                &call(addr, Method::GET, "/profile", Some(&tokens[2])).await?,
                200,
                "id token",
            )?;
            expect(
                &call(addr, Method::GET, "/profile", Some(&tokens[0])).await?,
                401,
                "access token where id tokens are expected",
            )?;
            expect(
                &call(addr, Method::GET, "/admin", Some(&tokens[3])).await?,
                200,
                "cognito:groups as scope",
            )?;
            expect(
                &call(addr, Method::GET, "/admin", Some(&tokens[0])).await?,
                403,
                "not in the group",
            )?;
            expect(
                &call(addr, Method::GET, "/orders", Some(&tokens[4])).await?,
                401,
                "another app client",
            )?;
            expect(
                &call(addr, Method::GET, "/orders", None).await?,
                401,
                "no token",
            )?;
            Ok(())
        };
        run.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

/// A custom authorizer service: `/token` answers TOKEN events with IAM policies chosen by the
/// token, `/request` answers 2.0 REQUEST events with simple responses; it counts its calls and
/// keeps the last event.
struct AuthService {
    addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    last: Arc<Mutex<Value>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AuthService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn authorize(body: &[u8]) -> (StatusCode, String) {
    let event: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if event["type"] == "TOKEN" {
        let arn = event["methodArn"].as_str().unwrap_or("");
        // `…:api/stage/METHOD/path` → every path of GET in this stage.
        let stage_prefix = arn.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
        let policy = |effect: &str, resource: String| {
            json!({
                "principalId": "user-7",
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
                ]},
                "context": {"tier": "gold", "n": 3},
                "usageIdentifierKey": "key-7",
            })
            .to_string()
        };
        return match event["authorizationToken"].as_str().unwrap_or("") {
            "Bearer allow-get" => (
                StatusCode::OK,
                policy("Allow", format!("{stage_prefix}/GET/*")),
            ),
            "Bearer deny" => (StatusCode::OK, policy("Deny", format!("{stage_prefix}/*"))),
            "Bearer unauthorized" => (
                StatusCode::UNAUTHORIZED,
                r#"{"message":"Unauthorized"}"#.into(),
            ),
            "Bearer broken" => (StatusCode::OK, "this is not a policy".into()),
            // The context tests: an Allow with context values, a Deny with a reason.
            "Bearer ctx-allow" => (
                StatusCode::OK,
                json!({
                    "principalId": "user-42",
                    "policyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}
                    ]},
                    "context": {"tier": "platinum", "n": 7, "admin": false},
                })
                .to_string(),
            ),
            "Bearer ctx-deny" => (
                StatusCode::OK,
                json!({
                    "principalId": "user-13",
                    "policyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}
                    ]},
                    "context": {"reason": "account suspended"},
                })
                .to_string(),
            ),
            "Bearer slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                (StatusCode::OK, policy("Allow", "*".into()))
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
        };
    }
    if event["type"] == "REQUEST" && event.get("version").is_none() {
        // AWS REST's REQUEST event: a policy chosen by the `x-user` header.
        let policy = |effect: &str, resource: &str| {
            json!({
                "principalId": event["headers"]["x-user"],
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
                ]},
                "context": {"tenant": event["queryStringParameters"]["tenant"]},
            })
            .to_string()
        };
        return match event["headers"]["x-user"].as_str().unwrap_or("") {
            "alice" | "dave" => (StatusCode::OK, policy("Allow", "*")),
            "bob" => (StatusCode::OK, policy("Deny", "*")),
            // Allows another method only: no statement matches.
            "carol" => (
                StatusCode::OK,
                policy("Allow", "arn:aws:execute-api:*:*:*/*/POST/*"),
            ),
            "broken" => (StatusCode::OK, r#"{"principalId": 7}"#.into()),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
        };
    }
    let ok = event["identitySource"][0] == "alice";
    (
        StatusCode::OK,
        json!({"isAuthorized": ok, "context": {"user": event["identitySource"][0]}}).to_string(),
    )
}

impl AuthService {
    async fn start() -> std::io::Result<AuthService> {
        use http_body_util::BodyExt;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let calls = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(Mutex::new(Value::Null));
        let (c, l) = (Arc::clone(&calls), Arc::clone(&last));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (c, l) = (Arc::clone(&c), Arc::clone(&l));
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let (c, l) = (Arc::clone(&c), Arc::clone(&l));
                        async move {
                            c.fetch_add(1, Ordering::SeqCst);
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            *l.lock().unwrap() =
                                serde_json::from_slice(&body).unwrap_or(Value::Null);
                            let (status, text) = authorize(&body).await;
                            let mut resp = Response::new(Full::new(Bytes::from(text)));
                            *resp.status_mut() = status;
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(AuthService {
            addr,
            calls,
            last,
            task,
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_authorizers_token_and_request_as_aws() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("custom"), Target::serve_example("custom")] {
        let service = AuthService::start().await?;
        let gw = start_custom(&target, &backend.url(), &format!("http://{}", service.addr))?;
        let addr = gw.addr();
        let run = async {
            let docs = |m: Method, auth: Option<&'static str>| async move {
                call(addr, m, "/docs", auth).await
            };
            // Refused without calling the authorizer.
            expect_custom(&docs(Method::GET, None).await?, 401, "no token")?;
            expect_custom(
                &docs(Method::GET, Some("Bearer NOT VALID!")).await?,
                401,
                "token failing identity_validation",
            )?;
            ensure_eq!(service.calls(), 0, "authorizer calls for refused requests");
            // Allowed, then cached: the same token on GET is not sent again, and the cached
            // policy does not admit DELETE.
            expect_custom(
                &docs(Method::GET, Some("Bearer allow-get")).await?,
                200,
                "allowed GET",
            )?;
            ensure_eq!(service.last.lock().unwrap()["type"], "TOKEN", "event type");
            ensure!(
                service.last.lock().unwrap()["methodArn"]
                    .as_str()
                    .is_some_and(
                        |a| a.starts_with("arn:aws:execute-api:") && a.ends_with("/prod/GET/docs")
                    ),
                "methodArn {}",
                service.last.lock().unwrap()["methodArn"]
            );
            expect_custom(
                &docs(Method::GET, Some("Bearer allow-get")).await?,
                200,
                "cached GET",
            )?;
            ensure_eq!(service.calls(), 1, "calls after a cached allow");
            expect_denied(
                &docs(Method::DELETE, Some("Bearer allow-get")).await?,
                NO_ALLOW,
                "cached allow replayed on DELETE",
            )?;
            ensure_eq!(service.calls(), 1, "calls after the replay");
            expect_denied(
                &docs(Method::GET, Some("Bearer deny")).await?,
                EXPLICIT_DENY,
                "explicit deny",
            )?;
            expect_custom(
                &docs(Method::GET, Some("Bearer unauthorized")).await?,
                401,
                "authorizer says Unauthorized",
            )?;
            for (token, kind, what) in [
                (
                    "Bearer broken",
                    "AuthorizerConfigurationException",
                    "malformed answer",
                ),
                (
                    "Bearer slow",
                    "AuthorizerFailureException",
                    "authorizer timeout",
                ),
                (
                    "Bearer error",
                    "AuthorizerFailureException",
                    "authorizer error",
                ),
            ] {
                let r = docs(Method::GET, Some(token)).await?;
                ensure_eq!(r.status.as_u16(), 500, "{what}");
                ensure_eq!(r.text(), r#"{"message": null}"#, "{what}: AWS's body");
                ensure_eq!(r.header("x-amzn-errortype"), Some(kind), "{what}: type");
            }
            // REQUEST, 2.0, simple responses, two identity sources, not cached.
            let before = service.calls();
            let tenants = |user: &'static str, q: &'static str| async move {
                let req = client::request(Method::GET, addr, q)
                    .header("x-user", user)
                    .body(TestBody::empty())
                    .map_err(|e| Failure(e.to_string()))?;
                Ok::<_, Failure>(client::send(addr, req).await?)
            };
            let reply = tenants("alice", "/tenants?tenant=t1").await?;
            expect_custom(&reply, 200, "simple allow")?;
            // HTTP APIs' 2.0 event, field by field.
            let expected = json!({
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": "arn:aws:execute-api:local:000000000000:custom/prod/GET/tenants",
                "identitySource": ["alice", "t1"],
                "routeKey": "GET /tenants",
                "rawPath": "/tenants",
                "rawQueryString": "tenant=t1",
                "headers": {"host": addr.to_string(), "x-user": "alice"},
                "queryStringParameters": {"tenant": "t1"},
                "requestContext": {
                    "http": {"method": "GET", "path": "/tenants", "sourceIp": "127.0.0.1"},
                    "requestId": reply.header("x-request-id").unwrap_or_default(),
                    "routeKey": "GET /tenants",
                    "stage": "prod",
                },
            });
            ensure_eq!(
                service.last.lock().unwrap().clone(),
                expected,
                "the 2.0 REQUEST event"
            );
            expect_custom(
                &tenants("alice", "/tenants?tenant=t1").await?,
                200,
                "simple allow again",
            )?;
            expect_custom(
                &tenants("bob", "/tenants?tenant=t1").await?,
                403,
                "simple deny",
            )?;
            ensure_eq!(service.calls() - before, 3, "uncached calls");
            expect_custom(
                &tenants("alice", "/tenants").await?,
                401,
                "missing query identity source",
            )?;
            ensure_eq!(
                service.calls() - before,
                3,
                "no call without every identity source"
            );
            // Per-authorizer counters, in each route's series.
            let admin = gw
                .admin_addr()
                .ok_or_else(|| Failure("no admin line".into()))?;
            let page = client::send(
                admin,
                client::get(admin, "/metrics").map_err(|e| Failure(e.to_string()))?,
            )
            .await?
            .text();
            for series in [
                "gwc_authorizer_cache_hits_total{api=\"custom\",stage=\"prod\",method=\"GET\",route=\"/docs\"} 1",
                "gwc_authorizer_cache_hits_total{api=\"custom\",stage=\"prod\",method=\"DELETE\",route=\"/docs\"} 1",
                "gwc_authorizer_allowed_total{api=\"custom\",stage=\"prod\",method=\"GET\",route=\"/tenants\"} 2",
                "gwc_authorizer_errors_total{api=\"custom\",stage=\"prod\",method=\"GET\",route=\"/docs\"} 3",
            ] {
                ensure!(page.contains(series), "no `{series}` in\n{page}");
            }
            Ok(())
        };
        run.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

/// AWS REST's body for a custom authorizer's policy with an explicit Deny.
const EXPLICIT_DENY: &str =
    r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;
/// AWS REST's body for a custom authorizer's policy without a matching Allow.
const NO_ALLOW: &str = r#"{"Message":"User is not authorized to access this resource"}"#;

/// A REST custom authorizer's policy refusal: 403 `ACCESS_DENIED` with AWS REST's `body`.
fn expect_denied(reply: &client::Reply, body: &str, what: &str) -> TestResult {
    ensure_eq!(reply.status.as_u16(), 403, "{what} (body {})", reply.text());
    ensure_eq!(reply.text(), body, "{what}: body");
    ensure_eq!(
        reply.header("x-amzn-errortype"),
        Some("AccessDeniedException"),
        "{what}: type"
    );
    Ok(())
}

/// As [`expect`], without the bearer challenge (AWS sends none for custom authorizers).
fn expect_custom(reply: &client::Reply, status: u16, what: &str) -> TestResult {
    ensure_eq!(
        reply.status.as_u16(),
        status,
        "{what} (body {})",
        reply.text()
    );
    match status {
        401 => ensure_eq!(
            reply.text(),
            r#"{"message":"Unauthorized"}"#,
            "{what}: body"
        ),
        403 => ensure_eq!(
            reply.text(),
            r#"{"message":"User is not authorized to access this resource"}"#,
            "{what}: body"
        ),
        _ => {}
    }
    Ok(())
}

fn start_custom(
    target: &Target,
    backend: &str,
    authorizer: &str,
) -> Result<GatewayProcess, HarnessError> {
    target.start(
        backend,
        &[
            "--stage-variable",
            &format!("authorizer={authorizer}"),
            "--admin-listen",
            "127.0.0.1:0",
        ],
    )
}

const IAM_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYGWCEXAMPLEKEY";
const IAM_SECRET_RO: &str = "readonlyreadonlyreadonlyreadonly";
const IAM_SECRET_TMP: &str = "temporarytemporarytemporarytemporary";
const IAM_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLE//session+token==";
/// AWS's answer to an unknown access key or a session token that is not the key's.
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// Signing parameters of the temporary (session-token) credential of the `iam` example.
fn temporary(token: Option<&str>) -> Value {
    json!({"key": "ASIAGWCTEMPORARY", "secret": IAM_SECRET_TMP, "token": token})
}

/// AWS's `Signature expired: D is now earlier than L (N - 5 min.)` (or `not yet current …
/// still later than … + 5 min.`): the dates well formed and `L` five minutes from `N`.
fn aws_expired_message(m: &str, start: &str, middle: &str, sign: char) -> bool {
    let Some(rest) = m.strip_prefix(start) else {
        return false;
    };
    let Some((date, rest)) = rest.split_once(middle) else {
        return false;
    };
    let Some((limit, rest)) = rest.split_once(" (") else {
        return false;
    };
    let Some(now) = rest.strip_suffix(&format!(" {sign} 5 min.)")) else {
        return false;
    };
    let secs = |d: &str| -> Option<i64> {
        let t = chrono_like(d)?;
        Some(t)
    };
    match (secs(date), secs(limit), secs(now)) {
        (Some(d), Some(l), Some(n)) => {
            let off = if sign == '-' { -300 } else { 300 };
            l - n == off && (d - n).abs() >= 300 && (d - n).abs() < 900
        }
        _ => false,
    }
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch (days by the civil-date formula).
fn chrono_like(d: &str) -> Option<i64> {
    if d.len() != 16 || &d[8..9] != "T" || !d.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d.get(r)?.parse::<i64>().ok();
    let (y, m, day) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (h, mi, s) = (n(9..11)?, n(11..13)?, n(13..15)?);
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Requests signed by botocore (`tests/fixtures/sigv4_sign.py`): what to send for each.
/// A request as botocore signed it: the URL and the headers to send.
type SignedRequest = (String, Vec<(String, String)>);

/// A change made to a signed request before it is sent.
type Tamper = Box<dyn Fn(&mut String, &mut Vec<(String, String)>, &mut String)>;

fn sign(requests: &[Value]) -> Result<Vec<SignedRequest>, Failure> {
    use std::io::Write;
    let python = python_with("botocore")?;
    let script = binaries::workspace_root().join("tests/fixtures/sigv4_sign.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure(format!("sigv4_sign.py: {e}")))?;
    child
        .stdin
        .take()
        .ok_or_else(|| Failure("no stdin".into()))?
        .write_all(Value::Array(requests.to_vec()).to_string().as_bytes())
        .map_err(|e| Failure(e.to_string()))?;
    let out = child
        .wait_with_output()
        .map_err(|e| Failure(e.to_string()))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "sigv4_sign.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| Failure(e.to_string()))?;
    Ok(v.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            let url = s["url"].as_str().unwrap_or("").to_owned();
            let headers = s["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            (url, headers)
        })
        .collect())
}

/// Sends a signed request, with `tamper` applied to what botocore produced.
async fn send_signed(
    addr: SocketAddr,
    method: Method,
    signed: &SignedRequest,
    body: &str,
    tamper: impl FnOnce(&mut String, &mut Vec<(String, String)>, &mut String),
) -> Result<client::Reply, Failure> {
    let (mut url, mut headers) = signed.clone();
    let mut body = body.to_owned();
    tamper(&mut url, &mut headers, &mut body);
    let path = url
        .splitn(4, '/')
        .nth(3)
        .map_or_else(|| "/".to_owned(), |p| format!("/{p}"));
    let mut req = client::request(method, addr, &path);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req
        .body(TestBody::full(body))
        .map_err(|e| Failure(e.to_string()))?;
    Ok(client::send(addr, req).await?)
}

fn expect_iam(reply: &client::Reply, status: u16, message: &str, what: &str) -> TestResult {
    ensure_eq!(
        reply.status.as_u16(),
        status,
        "{what} (body {})",
        reply.text()
    );
    if status != 200 {
        ensure_eq!(reply.json()?["message"], message, "{what}: message");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_sigv4_with_botocore_as_aws() -> TestResult {
    const MISMATCH: &str =
        "The request signature we calculated does not match the signature you provided";
    let backend = Backend::start().await?;
    for target in [Target::Example("iam"), Target::serve_example("iam")] {
        let gw = start(
            &target,
            &backend.url(),
            "unused",
            &[
                ("GWC_IAM_SECRET", IAM_SECRET),
                ("GWC_IAM_SECRET_RO", IAM_SECRET_RO),
                ("GWC_IAM_SECRET_TMP", IAM_SECRET_TMP),
                ("GWC_IAM_SESSION_TOKEN", IAM_SESSION_TOKEN),
            ],
        )?;
        let addr = gw.addr();
        let base = format!("http://{addr}");
        let req = |method: &str, path: &str, body: &str, extra: Value| {
            let mut r = json!({
                "method": method, "url": format!("{base}{path}"), "body": body,
                "key": "AKIDGWCEXAMPLE", "secret": IAM_SECRET,
                "region": "eu-west-1", "service": "execute-api",
            });
            if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
                for (k, v) in e {
                    r.insert(k.clone(), v.clone());
                }
            }
            r
        };
        let signed = sign(&[
            req("GET", "/items?b=2&a=1&a=0&sp=x%20y", "", json!({})), // 0
            req(
                "POST",
                "/items",
                r#"{"name":"pen"}"#,
                json!({"headers": {"content-type": "application/json"}}),
            ), // 1
            req("GET", "/items?x=1", "", json!({"presign": 60})),     // 2
            req("GET", "/items", "", json!({"region": "us-east-1"})), // 3
            req("GET", "/items", "", json!({"service": "s3"})),       // 4
            req("GET", "/items", "", json!({"skew": -600})),          // 5 outside the window
            req("GET", "/items", "", json!({"secret": "not the secret"})), // 6
            req("GET", "/items", "", json!({"key": "AKIDUNKNOWN"})),  // 7
            req("GET", "/items", "", json!({"presign": 1, "skew": -30})), // 8 expired presigned
            req("DELETE", "/items/locked", "", json!({})),            // 9 explicit deny
            req("DELETE", "/items/7", "", json!({})),                 // 10 allowed
            req(
                "GET",
                "/items",
                "",
                json!({"key": "AKIDGWCREADONLY", "secret": IAM_SECRET_RO}),
            ), // 11
            req(
                "POST",
                "/items",
                "x",
                json!({"key": "AKIDGWCREADONLY", "secret": IAM_SECRET_RO}),
            ), // 12
            req("GET", "/items", "", json!({"skew": -120})),          // 13 inside the window
            req("GET", "/items", "", json!({"headers": {"x-custom": "a"}})), // 14
            req(
                "GET",
                "/items",
                "",
                json!(temporary(Some(IAM_SESSION_TOKEN))),
            ), // 15
            req(
                "GET",
                "/items?t=1",
                "",
                json!({"presign": 60, "token": IAM_SESSION_TOKEN, "key": "ASIAGWCTEMPORARY", "secret": IAM_SECRET_TMP}),
            ), // 16
            req(
                "GET",
                "/items",
                "",
                json!(temporary(Some("not-the-session-token"))),
            ), // 17
            req("GET", "/items", "", json!(temporary(None))),         // 18 token missing
            req("GET", "/items", "", json!({"token": IAM_SESSION_TOKEN})), // 19 permanent key + token
            req("GET", "/items", "", json!({"skew": 600})),                // 20 ahead of the clock
        ])?;
        let run = async {
            let none = |_: &mut String, _: &mut Vec<(String, String)>, _: &mut String| {};
            let r = send_signed(addr, Method::GET, &signed[0], "", none).await?;
            expect_iam(&r, 200, "", "header-signed GET with a sorted query")?;
            let r = send_signed(addr, Method::POST, &signed[1], r#"{"name":"pen"}"#, none).await?;
            expect_iam(&r, 200, "", "POST with a body")?;
            ensure_eq!(r.json()?["body_len"], 14, "body at the backend");
            let r = send_signed(addr, Method::GET, &signed[2], "", none).await?;
            expect_iam(&r, 200, "", "presigned GET")?;
            // Replay inside the window: accepted, as AWS does.
            let r = send_signed(addr, Method::GET, &signed[0], "", none).await?;
            expect_iam(&r, 200, "", "replay inside the window")?;
            expect_iam(
                &send_signed(addr, Method::GET, &signed[13], "", none).await?,
                200,
                "",
                "2 minutes of clock skew",
            )?;
            // Tampering.
            let cases: Vec<(&str, usize, Method, &str, Tamper)> = vec![
                (
                    "path",
                    0,
                    Method::GET,
                    "",
                    Box::new(
                        |u: &mut String, _: &mut Vec<(String, String)>, _: &mut String| {
                            *u = u.replace("/items?", "/items/?")
                        },
                    ),
                ),
                (
                    "query",
                    0,
                    Method::GET,
                    "",
                    Box::new(
                        |u: &mut String, _: &mut Vec<(String, String)>, _: &mut String| {
                            *u = u.replace("b=2", "b=3")
                        },
                    ),
                ),
                (
                    "signed header",
                    14,
                    Method::GET,
                    "",
                    Box::new(
                        |_: &mut String, h: &mut Vec<(String, String)>, _: &mut String| {
                            h.push(("x-custom".into(), "b".into()));
                            h.retain(|(k, v)| !(k == "x-custom" && v == "a"));
                        },
                    ),
                ),
                (
                    "body",
                    1,
                    Method::POST,
                    r#"{"name":"pen"}"#,
                    Box::new(
                        |_: &mut String, _: &mut Vec<(String, String)>, b: &mut String| {
                            *b = r#"{"name":"gun"}"#.into()
                        },
                    ),
                ),
                (
                    "presigned query",
                    2,
                    Method::GET,
                    "",
                    Box::new(
                        |u: &mut String, _: &mut Vec<(String, String)>, _: &mut String| {
                            *u = u.replace("x=1", "x=2")
                        },
                    ),
                ),
                (
                    "method",
                    0,
                    Method::DELETE,
                    "",
                    Box::new(|_: &mut String, _: &mut Vec<(String, String)>, _: &mut String| {}),
                ),
            ];
            for (what, i, method, body, tamper) in cases {
                let r =
                    send_signed(addr, method, &signed[i], body, |u, h, b| tamper(u, h, b)).await?;
                // A tampered path or method may leave the routes; the REST kind then says 403 too.
                ensure_eq!(
                    r.status.as_u16(),
                    403,
                    "tampered {what} (body {})",
                    r.text()
                );
                let m = r.json()?["message"].as_str().unwrap_or("").to_owned();
                ensure!(
                    m == MISMATCH || m == "Missing Authentication Token",
                    "tampered {what}: {m}"
                );
            }
            // AWS's own texts for a scope of another region or service (trailing space included).
            expect_iam(
                &send_signed(addr, Method::GET, &signed[3], "", none).await?,
                403,
                "Credential should be scoped to a valid region, not 'us-east-1'. ",
                "other region",
            )?;
            expect_iam(
                &send_signed(addr, Method::GET, &signed[4], "", none).await?,
                403,
                "Credential should be scoped to correct service: 'execute-api'. ",
                "other service",
            )?;
            let r = send_signed(addr, Method::GET, &signed[5], "", none).await?;
            ensure_eq!(r.status, 403, "date 10 minutes old");
            ensure_eq!(
                r.header("x-amzn-errortype"),
                Some("InvalidSignatureException"),
                "date 10 minutes old"
            );
            let m = r.json()?["message"].as_str().unwrap_or("").to_owned();
            ensure!(
                aws_expired_message(&m, "Signature expired: ", " is now earlier than ", '-'),
                "date 10 minutes old: {m}"
            );
            let r = send_signed(addr, Method::GET, &signed[20], "", none).await?;
            ensure_eq!(r.status, 403, "date 10 minutes ahead");
            let m = r.json()?["message"].as_str().unwrap_or("").to_owned();
            ensure!(
                aws_expired_message(
                    &m,
                    "Signature not yet current: ",
                    " is still later than ",
                    '+'
                ),
                "date 10 minutes ahead: {m}"
            );
            expect_iam(
                &send_signed(addr, Method::GET, &signed[6], "", none).await?,
                403,
                MISMATCH,
                "wrong secret",
            )?;
            expect_iam(
                &send_signed(addr, Method::GET, &signed[7], "", none).await?,
                403,
                INVALID_TOKEN,
                "unknown access key",
            )?;
            let r = send_signed(addr, Method::GET, &signed[8], "", none).await?;
            ensure_eq!(r.status, 403, "expired presigned URL");
            let m = r.json()?["message"].as_str().unwrap_or("").to_owned();
            ensure!(
                m.starts_with("Signature expired: ") && m.ends_with(" - 1 sec.)"),
                "expired presigned URL: {m}"
            );
            // Temporary credentials: botocore signs the session token in.
            let r = send_signed(addr, Method::GET, &signed[15], "", none).await?;
            expect_iam(&r, 200, "", "session token (header)")?;
            ensure!(
                signed[15]
                    .1
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-security-token")),
                "botocore sent no X-Amz-Security-Token"
            );
            let r = send_signed(addr, Method::GET, &signed[16], "", none).await?;
            expect_iam(&r, 200, "", "session token (presigned)")?;
            for (i, what) in [
                (17, "wrong session token"),
                (18, "temporary key without its session token"),
                (19, "session token on a permanent key"),
            ] {
                let r = send_signed(addr, Method::GET, &signed[i], "", none).await?;
                expect_iam(&r, 403, INVALID_TOKEN, what)?;
            }
            // The token header dropped from the signed headers: the signature breaks.
            let unsigned_token = |_: &mut String, h: &mut Vec<(String, String)>, _: &mut String| {
                for (k, v) in h.iter_mut() {
                    if k.eq_ignore_ascii_case("authorization") {
                        *v = v.replace(";x-amz-security-token", "");
                    }
                }
            };
            expect_iam(
                &send_signed(addr, Method::GET, &signed[15], "", unsigned_token).await?,
                403,
                MISMATCH,
                "session token not signed",
            )?;
            let date_moved = |_: &mut String, h: &mut Vec<(String, String)>, _: &mut String| {
                for (k, v) in h.iter_mut() {
                    if k.eq_ignore_ascii_case("x-amz-date") {
                        *v = v.replace('T', "T0").chars().take(15).collect::<String>() + "Z";
                    }
                }
            };
            // The date moved about 18 hours back: out of the window (AWS's expiry message),
            // or not a time at all when the shift leaves a minute or second above 59.
            let r = send_signed(addr, Method::GET, &signed[0], "", date_moved).await?;
            ensure_eq!(r.status, 403, "tampered date");
            let m = r.json()?["message"].as_str().unwrap_or("").to_owned();
            ensure!(
                m == MISMATCH || m.starts_with("Signature expired: ") && m.ends_with(" - 5 min.)"),
                "tampered date: {m}"
            );
            expect_iam(
                &call(addr, Method::GET, "/items", None).await?,
                403,
                "Missing Authentication Token",
                "unsigned",
            )?;
            // Policies.
            expect_iam(
                &send_signed(addr, Method::DELETE, &signed[9], "", none).await?,
                403,
                "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:local:000000000000:iam/prod/DELETE/items/locked with an explicit deny",
                "explicit deny",
            )?;
            expect_iam(
                &send_signed(addr, Method::DELETE, &signed[10], "", none).await?,
                200,
                "",
                "allowed DELETE",
            )?;
            expect_iam(
                &send_signed(addr, Method::GET, &signed[11], "", none).await?,
                200,
                "",
                "read-only GET",
            )?;
            expect_iam(
                &send_signed(addr, Method::POST, &signed[12], "x", none).await?,
                403,
                "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:local:000000000000:iam/prod/POST/items",
                "read-only POST",
            )?;
            Ok(())
        };
        run.await.map_err(|e| annotate(&gw, e))?;
        ensure!(
            !gw.stderr().contains(IAM_SECRET),
            "a secret reached the log"
        );
    }
    Ok(())
}

/// The authorizer's result in the request context, end to end under `gwc serve` of
/// `tests/fixtures/auth-context.yaml`: PyJWT tokens and a custom authorizer's context reach the
/// echo backend as the headers the spec names (a client cannot forge them), VTL request and
/// response templates, an ACCESS_DENIED gateway-response template (a custom authorizer's deny
/// context, as on AWS) and the access log, with the exact values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_result_reaches_backend_templates_and_log() -> TestResult {
    let backend = Backend::start().await?;
    let service = AuthService::start().await?;
    let idp = Idp::start(&json!({})).await?;
    let spec = binaries::workspace_root().join("tests/fixtures/auth-context.yaml");
    let target = Target::Serve(spec);
    let gw = target.start(
        &backend.url(),
        &[
            "--stage-variable",
            &format!("issuer={}", idp.url()),
            "--stage-variable",
            &format!("authorizer=http://{}", service.addr),
        ],
    )?;
    let t = now();
    let claims = json!({
        "iss": idp.url(), "sub": "alice", "aud": "pets-api", "exp": t + 600, "iat": t,
        "email": "alice@example.com", "cognito:groups": ["admin", "staff"], "level": 3,
    });
    let keys = json!([{"kid": "rsa1", "kty": "RSA"}, {"kid": "ec1", "kty": "EC"}]);
    let (jwks, _, tokens) = mint(
        &keys,
        &[
            json!({"kid": "rsa1", "alg": "RS256", "claims": claims}),
            json!({"kid": "ec1", "alg": "ES256", "claims": claims}),
        ],
    )?;
    idp.set_jwks(&jwks);
    let addr = gw.addr();
    let run = async {
        for token in &tokens {
            let req = client::request(Method::GET, addr, "/jwt")
                .header("authorization", format!("Bearer {token}"))
                // Forged identity headers are replaced, never passed on.
                .header("x-user", "mallory")
                .header("x-missing", "forged")
                .body(TestBody::empty())
                .map_err(|e| Failure(e.to_string()))?;
            let reply = client::send(addr, req).await?;
            ensure_eq!(reply.status, 200, "GET /jwt: {}", reply.text());
            let echo = reply.json()?;
            let seen = |name: &str| crate::harness::backend::echoed_header(&echo, name);
            ensure_eq!(seen("x-user").as_deref(), Some("alice"), "principal header");
            ensure_eq!(
                seen("x-email").as_deref(),
                Some("alice@example.com"),
                "claim header"
            );
            ensure_eq!(
                seen("x-groups").as_deref(),
                Some("admin,staff"),
                "array claim header"
            );
            ensure_eq!(seen("x-level").as_deref(), Some("level 3"), "number claim");
            ensure_eq!(seen("x-missing").as_deref(), Some(""), "absent claim");
        }

        // VTL: the request template's override header and body, the response template.
        let req = client::request(Method::GET, addr, "/template")
            .header("authorization", format!("Bearer {}", tokens[0]))
            .body(TestBody::empty())
            .map_err(|e| Failure(e.to_string()))?;
        let reply = client::send(addr, req).await?;
        ensure_eq!(reply.status, 200, "GET /template: {}", reply.text());
        ensure_eq!(
            reply.text(),
            r#"{"user":"alice","email":"alice@example.com","level":"3"}"#,
            "response template"
        );
        let backend_saw = backend.requests();
        ensure!(backend_saw >= 3, "the backend saw {backend_saw} requests");

        // A custom authorizer's context.
        let reply = call(addr, Method::GET, "/custom", Some("Bearer ctx-allow")).await?;
        ensure_eq!(reply.status, 200, "GET /custom: {}", reply.text());
        let echo = reply.json()?;
        let seen = |name: &str| crate::harness::backend::echoed_header(&echo, name);
        ensure_eq!(seen("x-principal").as_deref(), Some("user-42"), "principal");
        ensure_eq!(
            seen("x-tier").as_deref(),
            Some("platinum"),
            "context string"
        );
        ensure_eq!(seen("x-n").as_deref(), Some("7"), "context number");
        ensure_eq!(
            seen("x-email").as_deref(),
            Some(""),
            "claims of a custom authorizer"
        );

        // A deny's context in the ACCESS_DENIED template.
        let reply = call(addr, Method::GET, "/custom", Some("Bearer ctx-deny")).await?;
        ensure_eq!(reply.status, 403, "denied: {}", reply.text());
        ensure_eq!(
            reply.text(),
            r#"{"message":"User is not authorized to access this resource with an explicit deny","principal":"user-13","reason":"account suspended"}"#,
            "ACCESS_DENIED template"
        );

        // The access log names claims and context values (flushed every 200 ms).
        let wanted = [
            "authctx alice alice@example.com admin,staff - 200",
            "authctx user-42 - - platinum 200",
            "authctx user-13 - - - 403",
        ];
        let lines = eventually(Duration::from_secs(5), || async {
            let lines: Vec<String> = gw
                .stdout_lines()
                .into_iter()
                .filter(|l| l.starts_with("authctx "))
                .collect();
            (lines.len() >= 5).then_some(lines)
        })
        .await
        .ok_or("fewer than 5 access-log lines")?;
        for w in wanted {
            ensure!(
                lines.iter().any(|l| l == w),
                "no access-log line `{w}` in {lines:#?}"
            );
        }
        ensure_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("authctx alice "))
                .count(),
            3,
            "lines of alice in {lines:#?}"
        );
        ensure!(
            !gw.stderr().contains(&tokens[0]) && !lines.iter().any(|l| l.contains(&tokens[0])),
            "a token reached a log"
        );
        TestResult::Ok(())
    };
    run.await.map_err(|e| annotate(&gw, e))
}

/// A REST custom authorizer of type REQUEST (payload 1.0) end to end under `gwc serve` of
/// `tests/fixtures/auth-request.yaml`: the authorizer receives AWS REST's REQUEST event, field
/// by field; the answer is cached by both identity sources (a header and a query parameter),
/// so changing either asks again; a missing one is 401 without a call; a policy's explicit
/// deny and a policy without a matching Allow answer AWS REST's own 403 bodies, a malformed
/// answer and a failing authorizer AWS's 500 `{"message": null}`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_authorizer_payload_1_0_as_aws_rest() -> TestResult {
    let backend = Backend::start().await?;
    let service = AuthService::start().await?;
    let spec = binaries::workspace_root().join("tests/fixtures/auth-request.yaml");
    let gw = Target::Serve(spec).start(
        &backend.url(),
        &[
            "--stage-variable",
            &format!("authorizer=http://{}", service.addr),
            "--admin-listen",
            "127.0.0.1:0",
        ],
    )?;
    let addr = gw.addr();
    let send = |user: Option<&'static str>, path: &'static str| async move {
        let mut req = client::request(Method::GET, addr, path);
        if let Some(u) = user {
            req = req.header("x-user", u);
        }
        let req = req
            .header("x-multi", "one")
            .header("x-multi", "two")
            .body(TestBody::empty())
            .map_err(|e| Failure(e.to_string()))?;
        Ok::<_, Failure>(client::send(addr, req).await?)
    };
    let run = async {
        let reply = send(Some("alice"), "/tenants/t%201?tenant=acme&tag=a&tag=b").await?;
        ensure_eq!(reply.status, 200, "allowed: {}", reply.text());
        ensure_eq!(service.calls(), 1, "authorizer calls");
        let request_id = reply
            .header("x-request-id")
            .ok_or("no x-request-id")?
            .to_owned();
        let host = addr.to_string();
        let expected = json!({
            "type": "REQUEST",
            "methodArn": "arn:aws:execute-api:local:000000000000:authreq/prod/GET/tenants/t%201",
            "resource": "/tenants/{id}",
            "path": "/tenants/t%201",
            "httpMethod": "GET",
            // A repeated header: its last value, as AWS's 1.0 events carry it.
            "headers": {"host": host, "x-user": "alice", "x-multi": "two"},
            "multiValueHeaders": {
                "host": [host], "x-user": ["alice"], "x-multi": ["one", "two"],
            },
            "queryStringParameters": {"tenant": "acme", "tag": "b"},
            "multiValueQueryStringParameters": {"tenant": ["acme"], "tag": ["a", "b"]},
            "pathParameters": {"id": "t 1"},
            "stageVariables": {
                "authorizer": format!("http://{}", service.addr),
                "backend": backend.url(),
                "region": "eu-west-1",
            },
            "requestContext": {
                "path": "/tenants/t%201",
                "accountId": "000000000000",
                "apiId": "authreq",
                "stage": "prod",
                "requestId": request_id,
                "httpMethod": "GET",
                "resourcePath": "/tenants/{id}",
                "identity": {"sourceIp": "127.0.0.1"},
            },
        });
        let event = service.last.lock().unwrap().clone();
        ensure_eq!(event, expected, "the REQUEST event");

        // Cached by both identity sources: the same pair is not sent again (another path
        // under the policy's `*` included), a change of either is.
        let reply = send(Some("alice"), "/tenants/t2?tenant=acme").await?;
        ensure_eq!(reply.status, 200, "cached: {}", reply.text());
        ensure_eq!(service.calls(), 1, "calls after the same identity");
        let reply = send(Some("alice"), "/tenants/t2?tenant=other").await?;
        ensure_eq!(reply.status, 200, "other tenant: {}", reply.text());
        ensure_eq!(service.calls(), 2, "calls after another query value");
        ensure_eq!(
            service.last.lock().unwrap()["queryStringParameters"],
            json!({"tenant": "other"}),
            "the second event's query"
        );
        let reply = send(Some("dave"), "/tenants/t2?tenant=other").await?;
        ensure_eq!(reply.status, 200, "other user: {}", reply.text());
        ensure_eq!(service.calls(), 3, "calls after another header value");

        // A missing identity source: 401 without a call.
        for (user, path) in [
            (None, "/tenants/t1?tenant=acme"),
            (Some("alice"), "/tenants/t1"),
        ] {
            let reply = send(user, path).await?;
            expect_custom(&reply, 401, "missing identity source")?;
        }
        ensure_eq!(service.calls(), 3, "calls after missing identity sources");

        // AWS REST's denials and failures, body for body.
        let reply = send(Some("bob"), "/tenants/t1?tenant=acme").await?;
        expect_denied(&reply, EXPLICIT_DENY, "explicit deny")?;
        let reply = send(Some("carol"), "/tenants/t1?tenant=acme").await?;
        expect_denied(&reply, NO_ALLOW, "no matching allow")?;
        for (user, kind) in [
            ("broken", "AuthorizerConfigurationException"),
            ("failing", "AuthorizerFailureException"),
        ] {
            let reply = send(Some(user), "/tenants/t1?tenant=acme").await?;
            ensure_eq!(reply.status, 500, "{user}: {}", reply.text());
            ensure_eq!(reply.text(), r#"{"message": null}"#, "{user}: body");
            ensure_eq!(reply.header("x-amzn-errortype"), Some(kind), "{user}: type");
        }
        // The cause is logged, the client sees none of it.
        let logged = eventually(Duration::from_secs(5), || async {
            let err = gw.stderr();
            (err.contains("authorizer requests answered 500")
                && err.contains("authorizer requests: "))
            .then_some(())
        })
        .await;
        ensure!(logged.is_some(), "no logged cause in\n{}", gw.stderr());

        // Every outcome counted per authorizer, in the route's series.
        let admin = gw
            .admin_addr()
            .ok_or_else(|| Failure("no admin line".into()))?;
        let page = client::send(
            admin,
            client::get(admin, "/metrics").map_err(|e| Failure(e.to_string()))?,
        )
        .await?
        .text();
        let labels = r#"{api="authreq",stage="prod",method="GET",route="/tenants/{id}"}"#;
        for (name, n) in [
            ("gwc_authorizer_allowed_total", 4),
            ("gwc_authorizer_denied_total", 4),
            ("gwc_authorizer_errors_total", 2),
            ("gwc_authorizer_cache_hits_total", 1),
        ] {
            let series = format!("{name}{labels} {n}");
            ensure!(page.contains(&series), "no `{series}` in\n{page}");
        }
        // The identity values never reach a log (only their digest keys the cache).
        ensure!(
            !gw.stderr().contains("acme"),
            "an identity value reached a log:\n{}",
            gw.stderr()
        );
        TestResult::Ok(())
    };
    run.await.map_err(|e| annotate(&gw, e))
}

/// A plain OpenAPI document's `security` enforced over TCP under `gwc serve` of
/// `tests/fixtures/openapi-security.yaml`: the document's requirement (an `http` bearer JWT
/// scheme) guards every operation without its own; operations name `openIdConnect`, `oauth2`
/// with a scope, and `apiKey` in a header; `security: []` opts out. Without a token 401, with
/// a valid one 200, without the scope 403, the opted-out operation 200 without a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_security_requirements_enforced_over_tcp() -> TestResult {
    let backend = Backend::start().await?;
    let service = AuthService::start().await?;
    let idp = Idp::start(&json!({})).await?;
    let spec = binaries::workspace_root().join("tests/fixtures/openapi-security.yaml");
    let gw = Target::Serve(spec).start(
        &backend.url(),
        &[
            "--stage-variable",
            &format!("issuer={}", idp.url()),
            "--stage-variable",
            &format!("authorizer=http://{}", service.addr),
        ],
    )?;
    let t = now();
    let claims = |aud: &str, scope: Option<&str>| {
        let mut c = json!({"iss": idp.url(), "sub": "alice", "aud": aud, "exp": t + 600, "iat": t});
        if let Some(s) = scope {
            c["scope"] = json!(s);
        }
        json!({"kid": "rsa1", "alg": "RS256", "claims": c})
    };
    let (jwks, _, tokens) = mint(
        &json!([{"kid": "rsa1", "kty": "RSA"}]),
        &[
            claims("pets-api", None),                      // 0
            claims("pets-api", Some("openid pets:write")), // 1
            claims("pets-web", None),                      // 2
            claims("someone-else", None),                  // 3
        ],
    )?;
    idp.set_jwks(&jwks);
    let addr = gw.addr();
    let bearer = |i: usize| format!("Bearer {}", tokens[i]);
    let run = async {
        // The opted-out operation, without a token.
        expect(
            &call(addr, Method::GET, "/health", None).await?,
            200,
            "security: []",
        )?;
        // The document's requirement: http bearer.
        let pets = |auth: Option<String>| async move {
            call(addr, Method::GET, "/pets", auth.as_deref()).await
        };
        expect(&pets(None).await?, 401, "document requirement, no token")?;
        expect(
            &pets(Some(bearer(0))).await?,
            200,
            "document requirement, token",
        )?;
        expect(&pets(Some(bearer(3))).await?, 401, "another audience")?;
        // oauth2 with a scope.
        let post = |auth: Option<String>| async move {
            call(addr, Method::POST, "/pets", auth.as_deref()).await
        };
        expect(&post(None).await?, 401, "oauth2, no token")?;
        expect(&post(Some(bearer(0))).await?, 403, "oauth2, missing scope")?;
        expect(&post(Some(bearer(1))).await?, 200, "oauth2, scope")?;
        // openIdConnect: keys from the issuer's discovery document, its own audience.
        let profile = |auth: Option<String>| async move {
            call(addr, Method::GET, "/profile", auth.as_deref()).await
        };
        expect(&profile(None).await?, 401, "openIdConnect, no token")?;
        expect(
            &profile(Some(bearer(0))).await?,
            401,
            "openIdConnect, audience of bearer",
        )?;
        expect(
            &profile(Some(bearer(2))).await?,
            200,
            "openIdConnect, token",
        )?;
        ensure!(
            idp.discovery_fetches.load(Ordering::SeqCst) >= 1,
            "the openIdConnect scheme's keys came from discovery"
        );
        // apiKey in a header, checked by the custom authorizer of the same name.
        let keyed = |key: Option<&'static str>| async move {
            let mut req = client::request(Method::GET, addr, "/keyed");
            if let Some(k) = key {
                req = req.header("x-api-key", k);
            }
            let req = req
                .body(TestBody::empty())
                .map_err(|e| Failure(e.to_string()))?;
            Ok::<_, Failure>(client::send(addr, req).await?)
        };
        expect_custom(&keyed(None).await?, 401, "apiKey, no key")?;
        ensure_eq!(service.calls(), 0, "no authorizer call without a key");
        expect_custom(&keyed(Some("alice")).await?, 200, "apiKey, key")?;
        expect_custom(&keyed(Some("bob")).await?, 403, "apiKey, refused key")?;
        ensure_eq!(
            service.last.lock().unwrap()["identitySource"],
            json!(["bob"]),
            "the key reached the authorizer"
        );
        // The token and the key never reach a log.
        ensure!(
            !gw.stderr().contains(&tokens[0])
                && !gw.stdout_lines().iter().any(|l| l.contains(&tokens[0])),
            "a token reached a log"
        );
        TestResult::Ok(())
    };
    run.await.map_err(|e| annotate(&gw, e))
}
