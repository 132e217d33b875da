//! The rules engine driven in-process: a gateway built from IR with WAF rule sets, requests
//! served through the pipeline with buffered bodies (no socket).

use std::cell::Cell;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;

use super::client_ip;
use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{
    self, ByteSize, Comparison, ErrorType, HeaderPair, InspectedPart, ManagedGroup, MatchTest,
    Method, Millis, Mock, OverrideAction, Oversize, PathTemplate, Route, RoutePolicies,
    RuleOverride, SizeTest, SqliSensitivity, Str, Transform, WafAction, WafCondition, WafField,
    WafInspection, WafMatch, WafResponse, WafRule, WafRuleSet, WafRuleSetId,
};
use crate::pipeline::{RequestContext, WorkerGateway};

fn route(path: &str, waf: Option<u32>) -> Route {
    Route {
        id: format!("ANY {path}").into(),
        method: Method::Any,
        path: PathTemplate::parse(path).unwrap(),
        integration: ir::Integration::Mock(Mock {
            status: 200,
            headers: vec![],
            body: "ok".into(),
        }),
        policies: RoutePolicies {
            waf: waf.map(WafRuleSetId),
            ..RoutePolicies::default()
        },
        ..Route::default()
    }
}

fn rule(name: &'static str, action: WafAction, condition: WafCondition) -> WafRule {
    WafRule {
        name: Str::Borrowed(name),
        action,
        condition,
        response: None,
        oversize: Oversize::Continue,
    }
}

fn matcher(field: WafField, transforms: &[Transform], test: MatchTest) -> WafCondition {
    WafCondition::Match(WafMatch {
        field,
        transforms: transforms.to_vec(),
        test,
    })
}

fn set(name: &'static str, default_action: WafAction, rules: Vec<WafRule>) -> WafRuleSet {
    WafRuleSet {
        name: Str::Borrowed(name),
        default_action,
        rules,
        inspection: WafInspection {
            trusted_proxies: vec![Str::Borrowed("10.0.0.0/8")],
            ..WafInspection::default()
        },
    }
}

fn gateway(api: Option<WafRuleSet>, route_set: Option<WafRuleSet>) -> WorkerGateway {
    let mut sets = Vec::new();
    let mut api_id = None;
    if let Some(s) = api {
        sets.push(s);
        api_id = Some(WafRuleSetId(0));
    }
    let mut route_id = None;
    if let Some(s) = route_set {
        sets.push(s);
        route_id = Some(sets.len() as u32 - 1);
    }
    let ir = ir::Gateway {
        name: "waf".into(),
        routes: vec![
            route("/open", None),
            route("/guarded", route_id),
            route("/guarded/{p}", route_id),
        ],
        waf: api_id,
        waf_rule_sets: sets,
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    WorkerGateway::new(Arc::new(gw))
}

struct Sent {
    ctx: RequestContext,
    result: Result<Response<Body>, Box<GatewayError>>,
}

impl Sent {
    fn status(&self) -> StatusCode {
        match &self.result {
            Ok(r) => r.status(),
            Err(e) => StatusCode::from_u16(e.kind.default_status()).unwrap(),
        }
    }
    fn blocked(&self) -> bool {
        matches!(&self.result, Err(e) if e.kind == ErrorType::WafFiltered)
    }
    fn rule(&self) -> Option<&str> {
        self.ctx.waf.as_ref().and_then(|w| w.rule.as_deref())
    }
}

async fn send(
    worker: &WorkerGateway,
    peer: &'static str,
    build: impl FnOnce(http::request::Builder) -> http::request::Builder,
    body: &[u8],
) -> Sent {
    let req = build(http::Request::builder().header("host", "gw"))
        .body(RequestBody::Buffered(Bytes::copy_from_slice(body)))
        .unwrap();
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static(peer),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(
        HeaderValue::from_static("req"),
        client,
        req.method().clone(),
    );
    let result = worker.serve(&mut ctx, req).await;
    Sent { ctx, result }
}

async fn get(worker: &WorkerGateway, uri: &str) -> Sent {
    let uri = uri.to_owned();
    send(worker, "192.0.2.1", |b| b.uri(uri), b"").await
}

#[tokio::test]
async fn ip_sets_block_and_allow_in_order() {
    let w = gateway(
        Some(set(
            "api",
            WafAction::Allow,
            vec![
                rule(
                    "friends",
                    WafAction::Allow,
                    WafCondition::IpSet {
                        cidrs: vec!["198.51.100.7".into()],
                        files: vec![],
                        forwarded: false,
                    },
                ),
                rule(
                    "bad_nets",
                    WafAction::Block,
                    WafCondition::IpSet {
                        cidrs: vec!["198.51.100.0/24".into(), "2001:db8::/32".into()],
                        files: vec![],
                        forwarded: false,
                    },
                ),
            ],
        )),
        None,
    );
    let blocked = send(&w, "198.51.100.9", |b| b.uri("/open"), b"").await;
    assert!(blocked.blocked());
    assert_eq!(blocked.rule(), Some("bad_nets"));
    assert_eq!(blocked.ctx.waf.as_ref().unwrap().code, "WAF_BLOCK");
    assert_eq!(
        blocked.ctx.route, None,
        "the API-wide set runs before routing"
    );
    let friend = send(&w, "198.51.100.7", |b| b.uri("/open"), b"").await;
    assert_eq!(friend.status(), StatusCode::OK);
    assert_eq!(friend.rule(), Some("friends"));
    let v6 = send(&w, "2001:db8::1", |b| b.uri("/nowhere"), b"").await;
    assert!(
        v6.blocked(),
        "unmatched requests go through the API-wide set too"
    );
    let other = send(&w, "203.0.113.1", |b| b.uri("/open"), b"").await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(other.ctx.waf.as_ref().unwrap().code, "WAF_ALLOW");
    assert_eq!(other.rule(), None);
}

#[test]
fn client_ip_only_through_trusted_proxies() {
    let trusted = ["10.0.0.0/8".parse().unwrap()];
    let ip = |peer: &str, xff: &str| {
        let mut h = http::HeaderMap::new();
        if !xff.is_empty() {
            h.insert("x-forwarded-for", xff.parse().unwrap());
        }
        client_ip(peer.parse().unwrap(), &h, &trusted)
    };
    let addr = |s: &str| s.parse::<IpAddr>().unwrap();
    // Not from a trusted proxy: the header is ignored.
    assert_eq!(ip("203.0.113.5", "1.2.3.4"), addr("203.0.113.5"));
    // From a trusted proxy: the right-most untrusted hop.
    assert_eq!(ip("10.1.1.1", "1.2.3.4"), addr("1.2.3.4"));
    assert_eq!(
        ip("10.1.1.1", "6.6.6.6, 1.2.3.4, 10.2.2.2"),
        addr("1.2.3.4")
    );
    // A client prepending a forged hop does not choose its address.
    assert_eq!(ip("10.1.1.1", "9.9.9.9, 1.2.3.4"), addr("1.2.3.4"));
    assert_eq!(ip("10.1.1.1", ""), addr("10.1.1.1"));
    let mut h = http::HeaderMap::new();
    h.insert(
        "forwarded",
        "for=\"[2001:db8::9]:443\";proto=https".parse().unwrap(),
    );
    assert_eq!(
        client_ip(addr("10.0.0.1"), &h, &trusted),
        addr("2001:db8::9")
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let w = gateway(
        Some(set(
            "api",
            WafAction::Allow,
            vec![rule(
                "bad",
                WafAction::Block,
                WafCondition::IpSet {
                    cidrs: vec!["198.51.100.0/24".into()],
                    files: vec![],
                    forwarded: true,
                },
            )],
        )),
        None,
    );
    let via_proxy = send(
        &w,
        "10.9.9.9",
        |b| b.uri("/open").header("x-forwarded-for", "198.51.100.1"),
        b"",
    )
    .await;
    assert!(via_proxy.blocked());
    let spoofed = send(
        &w,
        "203.0.113.1",
        |b| b.uri("/open").header("x-forwarded-for", "198.51.100.1"),
        b"",
    )
    .await;
    assert_eq!(spoofed.status(), StatusCode::OK);
}

#[tokio::test]
async fn byte_regex_and_size_matches_with_transformations() {
    let w = gateway(
        None,
        Some(set(
            "guarded",
            WafAction::Allow,
            vec![
                rule(
                    "admin_path",
                    WafAction::Block,
                    matcher(
                        WafField::Path,
                        &[Transform::UrlDecode, Transform::Lowercase],
                        MatchTest::Contains("/admin".into()),
                    ),
                ),
                rule(
                    "debug_arg",
                    WafAction::Block,
                    matcher(
                        WafField::QueryArg("debug".into()),
                        &[],
                        MatchTest::Exactly("1".into()),
                    ),
                ),
                rule(
                    "bot",
                    WafAction::Block,
                    matcher(
                        WafField::Header("user-agent".into()),
                        &[Transform::Lowercase],
                        MatchTest::Regex(r"^(?:sqlmap|nikto)/".into()),
                    ),
                ),
                rule(
                    "big_body",
                    WafAction::Block,
                    matcher(
                        WafField::Body,
                        &[],
                        MatchTest::Size(SizeTest {
                            op: Comparison::Gt,
                            size: 10,
                        }),
                    ),
                ),
                rule(
                    "json_role",
                    WafAction::Block,
                    matcher(
                        WafField::JsonBody("/user/role".into()),
                        &[Transform::Lowercase],
                        MatchTest::ContainsWord("root".into()),
                    ),
                ),
                rule(
                    "b64",
                    WafAction::Block,
                    matcher(
                        WafField::Cookies,
                        &[Transform::Base64Decode],
                        MatchTest::StartsWith("evil".into()),
                    ),
                ),
            ],
        )),
    );
    assert_eq!(get(&w, "/guarded/x").await.status(), StatusCode::OK);
    assert_eq!(get(&w, "/guarded/%41DMIN").await.rule(), Some("admin_path"));
    assert!(get(&w, "/guarded?debug=1").await.blocked());
    assert!(!get(&w, "/guarded?debug=10").await.blocked());
    assert!(
        !get(&w, "/open?admin").await.blocked(),
        "other routes have no rules"
    );
    let bot = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/guarded").header("user-agent", "SQLMap/1.7"),
        b"",
    )
    .await;
    assert_eq!(bot.rule(), Some("bot"));
    let big = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/guarded").method("POST"),
        b"0123456789ab",
    )
    .await;
    assert_eq!(big.rule(), Some("big_body"));
    let json = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/guarded").method("POST"),
        br#"{"user":{"role":"ROOT"}}"#,
    )
    .await;
    assert_eq!(json.rule(), Some("big_body"), "first matching rule decides");
    let small_json = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/guarded").method("POST"),
        br#"{"a":1}"#,
    )
    .await;
    assert!(!small_json.blocked());
    let cookie = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/guarded").header("cookie", "ZXZpbA=="),
        b"",
    )
    .await;
    assert_eq!(cookie.rule(), Some("b64"));
}

#[tokio::test]
async fn and_or_not_count_and_default_block() {
    let w = gateway(
        Some(set(
            "api",
            WafAction::Block,
            vec![
                rule(
                    "count_posts",
                    WafAction::Count,
                    matcher(WafField::Method, &[], MatchTest::Exactly("POST".into())),
                ),
                rule(
                    "allow_get_open_not_ua",
                    WafAction::Allow,
                    WafCondition::And {
                        all: vec![
                            WafCondition::Or {
                                any: vec![
                                    matcher(
                                        WafField::Method,
                                        &[],
                                        MatchTest::Exactly("GET".into()),
                                    ),
                                    matcher(
                                        WafField::Method,
                                        &[],
                                        MatchTest::Exactly("POST".into()),
                                    ),
                                ],
                            },
                            WafCondition::Not {
                                not: Box::new(matcher(
                                    WafField::Header("user-agent".into()),
                                    &[],
                                    MatchTest::Contains("bad".into()),
                                )),
                            },
                        ],
                    },
                ),
            ],
        )),
        None,
    );
    let ok = get(&w, "/open").await;
    assert_eq!(ok.status(), StatusCode::OK);
    let post = send(&w, "192.0.2.1", |b| b.uri("/open").method("POST"), b"").await;
    assert_eq!(post.status(), StatusCode::OK);
    assert_eq!(
        post.ctx.waf.as_ref().unwrap().counters.len(),
        2,
        "count + allow"
    );
    let bad = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/open").header("user-agent", "bad bot"),
        b"",
    )
    .await;
    assert!(bad.blocked(), "default action");
    assert_eq!(bad.rule(), None);
    let put = send(&w, "192.0.2.1", |b| b.uri("/open").method("PUT"), b"").await;
    assert!(put.blocked());
}

#[tokio::test]
async fn custom_block_response() {
    let mut r = rule(
        "teapot",
        WafAction::Block,
        matcher(
            WafField::QueryString,
            &[],
            MatchTest::Contains("tea".into()),
        ),
    );
    r.response = Some(WafResponse {
        status: 418,
        headers: vec![HeaderPair {
            name: "x-blocked-by".into(),
            value: "waf".into(),
        }],
        body: "{\"error\":\"no tea\"}".into(),
    });
    let w = gateway(Some(set("api", WafAction::Allow, vec![r])), None);
    let sent = get(&w, "/open?tea=1").await;
    let resp = sent.result.unwrap();
    assert_eq!(resp.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(resp.headers()["x-blocked-by"], "waf");
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"{\"error\":\"no tea\"}");
}

/// `sensitivity: high` (AWS's `SensitivityLevel: HIGH`) blocks SQL fragments the default
/// level lets through, and still passes ordinary values and browser headers.
#[tokio::test]
async fn high_sensitivity_sqli_rules_block_fragments_the_default_passes() {
    let query = || vec![InspectedPart::Query, InspectedPart::Headers];
    let w = gateway(
        Some(set(
            "api",
            WafAction::Allow,
            vec![
                rule(
                    "default",
                    WafAction::Count,
                    WafCondition::Sqli {
                        parts: query(),
                        sensitivity: SqliSensitivity::Low,
                    },
                ),
                rule(
                    "strict",
                    WafAction::Block,
                    WafCondition::Sqli {
                        parts: query(),
                        sensitivity: SqliSensitivity::High,
                    },
                ),
            ],
        )),
        None,
    );
    for probe in [
        "%27probe%27",
        "%27%3Bprint%27",
        "%40%40%40%40%40",
        "sysobjects",
    ] {
        let sent = get(&w, &format!("/open?q={probe}")).await;
        assert_eq!(sent.rule(), Some("strict"), "{probe}");
    }
    let browser = send(
        &w,
        "192.0.2.1",
        |b| {
            b.uri("/open?q=blue+shoes&page=2&sort=price-asc")
                .header(
                    "user-agent",
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
                )
                .header(
                    "accept",
                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                )
                .header("accept-language", "en-GB,en;q=0.9")
        },
        b"",
    )
    .await;
    assert!(!browser.blocked());
    assert!(!get(&w, "/open?q=O%27Reilly+and+sons").await.blocked());
}

#[tokio::test]
async fn sqli_and_xss_rules_inspect_decoded_parts() {
    let all = vec![
        InspectedPart::Path,
        InspectedPart::Query,
        InspectedPart::Headers,
        InspectedPart::Cookies,
        InspectedPart::Body,
    ];
    let w = gateway(
        Some(set(
            "api",
            WafAction::Allow,
            vec![
                rule(
                    "sqli",
                    WafAction::Block,
                    WafCondition::Sqli {
                        parts: all.clone(),
                        sensitivity: SqliSensitivity::Low,
                    },
                ),
                rule("xss", WafAction::Block, WafCondition::Xss { parts: all }),
            ],
        )),
        None,
    );
    assert_eq!(
        get(&w, "/open?q=1%27%20OR%20%271%27%3D%271").await.rule(),
        Some("sqli")
    );
    assert_eq!(
        get(&w, "/open?q=%3Cscript%3Ealert(1)%3C/script%3E")
            .await
            .rule(),
        Some("xss")
    );
    assert!(!get(&w, "/open?q=O%27Reilly+and+sons").await.blocked());
    let cookie = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/open").header("cookie", "a=1; s=1'%20or%201=1--"),
        b"",
    )
    .await;
    assert_eq!(cookie.rule(), Some("sqli"));
    let form = send(
        &w,
        "192.0.2.1",
        |b| {
            b.uri("/open")
                .method("POST")
                .header("content-type", "application/x-www-form-urlencoded")
        },
        b"name=x&bio=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
    )
    .await;
    assert_eq!(form.rule(), Some("xss"));
    let json = send(
        &w,
        "192.0.2.1",
        |b| {
            b.uri("/open")
                .method("POST")
                .header("content-type", "application/json")
        },
        br#"{"id":"1 UNION SELECT password FROM users"}"#,
    )
    .await;
    assert_eq!(json.rule(), Some("sqli"));
    let accept = send(
        &w,
        "192.0.2.1",
        |b| b.uri("/open").header("accept", "*/*"),
        b"",
    )
    .await;
    assert!(!accept.blocked());
}

#[tokio::test]
async fn oversize_bodies_follow_each_rules_choice() {
    let attack_after_limit = {
        let mut b = vec![b'a'; 100];
        b.extend_from_slice(b" <script>alert(1)</script>");
        b
    };
    let mk = |oversize: Oversize| {
        let mut s = set(
            "api",
            WafAction::Allow,
            vec![WafRule {
                oversize,
                ..rule(
                    "xss_body",
                    WafAction::Block,
                    WafCondition::Xss {
                        parts: vec![InspectedPart::Body],
                    },
                )
            }],
        );
        s.inspection.body_limit = ByteSize(64);
        gateway(Some(s), None)
    };
    let body = &attack_after_limit;
    let post = |b: http::request::Builder| b.uri("/open").method("POST");
    let sent = send(&mk(Oversize::Continue), "192.0.2.1", post, body).await;
    assert!(!sent.blocked(), "the attack lies past the limit");
    assert!(
        send(&mk(Oversize::Match), "192.0.2.1", post, body)
            .await
            .blocked()
    );
    assert!(
        !send(&mk(Oversize::NoMatch), "192.0.2.1", post, body)
            .await
            .blocked()
    );
    let w = mk(Oversize::Match);
    let small = send(&w, "192.0.2.1", |b| b.uri("/open").method("POST"), b"hello").await;
    assert!(!small.blocked());
}

#[tokio::test]
async fn rate_based_rules_count_per_client() {
    let w = gateway(
        Some(set(
            "api",
            WafAction::Allow,
            vec![rule(
                "flood",
                WafAction::Block,
                WafCondition::RateBased {
                    limit: 3,
                    window: Millis(60_000),
                    key: "ip".into(),
                },
            )],
        )),
        None,
    );
    for _ in 0..3 {
        assert!(
            !send(&w, "192.0.2.50", |b| b.uri("/open"), b"")
                .await
                .blocked()
        );
    }
    assert!(
        send(&w, "192.0.2.50", |b| b.uri("/open"), b"")
            .await
            .blocked()
    );
    assert!(
        !send(&w, "192.0.2.51", |b| b.uri("/open"), b"")
            .await
            .blocked(),
        "per client"
    );
}

#[tokio::test]
async fn managed_groups_with_overrides() {
    let mut group = rule(
        "aws_core",
        WafAction::Block,
        WafCondition::Managed(ManagedGroup {
            name: "core".into(),
            overrides: vec![
                RuleOverride {
                    rule: "NoUserAgent_HEADER".into(),
                    action: OverrideAction::Off,
                },
                RuleOverride {
                    rule: "GenericLFI".into(),
                    action: OverrideAction::Count,
                },
            ],
            lists: vec![],
        }),
    );
    group.name = "aws_core".into();
    let sql = rule(
        "sql",
        WafAction::Block,
        WafCondition::Managed(ManagedGroup {
            name: "sql_database".into(),
            ..ManagedGroup::default()
        }),
    );
    let w = gateway(Some(set("api", WafAction::Allow, vec![group, sql])), None);
    assert_eq!(
        get(&w, "/open").await.status(),
        StatusCode::OK,
        "no user agent: rule is off"
    );
    let lfi = get(&w, "/open?file=../../etc/passwd").await;
    assert!(!lfi.blocked(), "GenericLFI only counts");
    assert_eq!(
        lfi.ctx.waf.as_ref().unwrap().counters.len(),
        2,
        "LFI counted + default"
    );
    assert_eq!(
        get(&w, "/open?x=%3Csvg/onload=alert(1)%3E").await.rule(),
        Some("aws_core/CrossSiteScripting")
    );
    assert_eq!(
        get(&w, "/open?id=1%20UNION%20SELECT%201,2").await.rule(),
        Some("sql/SQLi_QUERYARGUMENTS")
    );
    assert_eq!(
        get(&w, "/open?u=http://169.254.169.254/latest/meta-data")
            .await
            .rule(),
        Some("aws_core/EC2MetaDataSSRF")
    );
}

#[tokio::test]
async fn geo_match_from_a_maxmind_database() {
    let Some(waf) = super::corpus::corpus_dir() else {
        return;
    };
    let db = waf.join("../geoip/GeoIP2-Country-Test.mmdb");
    if !db.exists() {
        crate::tests::skip(&format!("no GeoIP test database at {}", db.display()));
        return;
    }
    let mut s = set(
        "api",
        WafAction::Allow,
        vec![rule(
            "no_gb",
            WafAction::Block,
            WafCondition::Geo {
                countries: vec!["GB".into()],
                negate: false,
            },
        )],
    );
    s.inspection.geo_database = Some(db.to_string_lossy().into_owned().into());
    let w = gateway(Some(s), None);
    // MaxMind's test database places 81.2.69.160/27 in the United Kingdom.
    assert!(
        send(&w, "81.2.69.160", |b| b.uri("/open"), b"")
            .await
            .blocked()
    );
    assert!(
        !send(&w, "192.0.2.1", |b| b.uri("/open"), b"")
            .await
            .blocked()
    );
}

/// GoTestWAF's 8–128 KB payloads (padding, then the attack at the end) against the default
/// 16 KiB inspection limit: past it, `continue` misses the attack, `match` blocks the body.
#[tokio::test]
async fn gotestwaf_oversize_payloads_follow_the_oversize_choice() {
    let Some(waf) = super::corpus::corpus_dir() else {
        return;
    };
    let file = waf.join("gotestwaf-oversize.jsonl");
    let Ok(text) = std::fs::read_to_string(&file) else {
        crate::tests::skip(&format!("no {}", file.display()));
        return;
    };
    let rows: Vec<(String, Vec<u8>)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            (
                v["class"].as_str().unwrap_or("").to_owned(),
                v["payload"].as_str().unwrap_or("").as_bytes().to_vec(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 10);
    let body = vec![InspectedPart::Body];
    for oversize in [Oversize::Continue, Oversize::Match] {
        let w = gateway(
            Some(set(
                "api",
                WafAction::Allow,
                vec![
                    WafRule {
                        oversize,
                        ..rule(
                            "sqli",
                            WafAction::Block,
                            WafCondition::Sqli {
                                parts: body.clone(),
                                sensitivity: SqliSensitivity::Low,
                            },
                        )
                    },
                    WafRule {
                        oversize,
                        ..rule(
                            "xss",
                            WafAction::Block,
                            WafCondition::Xss {
                                parts: body.clone(),
                            },
                        )
                    },
                ],
            )),
            None,
        );
        for (class, payload) in &rows {
            let sent = send(&w, "192.0.2.1", |b| b.uri("/open").method("POST"), payload).await;
            let within = payload.len() <= 16 << 10;
            let expect = within || oversize == Oversize::Match;
            assert_eq!(
                sent.blocked(),
                expect,
                "{class} payload of {} bytes with {oversize:?}",
                payload.len()
            );
            if within {
                assert_eq!(sent.rule(), Some(class.as_str()));
            }
        }
    }
}

/// `x-gateway-waf.enabled: false`: the API-wide rules skip that route (and only it); the
/// route's own rules still run, and unmatched requests are still inspected.
#[tokio::test]
async fn a_route_can_turn_the_api_wide_rules_off() {
    let mut opted_out = route("/sql", Some(1));
    opted_out.policies.api_waf_off = true;
    let ir = ir::Gateway {
        name: "waf".into(),
        routes: vec![route("/open", None), opted_out],
        waf: Some(WafRuleSetId(0)),
        waf_rule_sets: vec![
            set("api", WafAction::Block, vec![]),
            set(
                "ANY /sql",
                WafAction::Allow,
                vec![rule(
                    "no_drop",
                    WafAction::Block,
                    matcher(
                        WafField::QueryString,
                        &[Transform::Lowercase],
                        MatchTest::Contains("drop".into()),
                    ),
                )],
            ),
        ],
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    let w = WorkerGateway::new(Arc::new(
        Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap(),
    ));
    let open = get(&w, "/open").await;
    assert!(open.blocked(), "the API-wide default action blocks");
    let sql = get(&w, "/sql?q=select+1").await;
    assert_eq!(sql.status(), StatusCode::OK, "the opted-out route skips it");
    assert_eq!(sql.ctx.waf.as_ref().unwrap().code, "WAF_ALLOW");
    let drop = get(&w, "/sql?q=DROP").await;
    assert!(drop.blocked(), "the route's own rules still run");
    assert_eq!(drop.rule(), Some("no_drop"));
    assert!(
        get(&w, "/nowhere").await.blocked(),
        "unmatched requests still go through the API-wide rules"
    );
}

/// The 64 KiB JSON body of `bench/proxy/waf`: a catalogue of products (prose descriptions,
/// names, tags), padded with spaces to exactly 64 KiB.
fn catalogue_body() -> Vec<u8> {
    let item = |i: usize| {
        format!(
            "{{\"id\": {i}, \"name\": \"Trail shoe model {i}\", \"price\": {}, \
             \"tags\": [\"outdoor\", \"running\", \"waterproof\"], \
             \"stock\": {{\"warehouse\": \"north-{}\", \"count\": {}}}, \
             \"description\": \"Light, grippy and made for long days on rocky paths; \
             recycled upper, replaceable insole.\"}}",
            89.5 + (i % 40) as f64,
            i % 7,
            i * 3 % 101
        )
    };
    let mut items: Vec<String> = Vec::new();
    let mut body = String::new();
    for i in 0.. {
        items.push(item(i));
        let next = format!("{{\"catalogue\": [{}]}}", items.join(", "));
        if next.len() > 65536 {
            break;
        }
        body = next;
    }
    let mut body = body.into_bytes();
    body.resize(65536, b' ');
    body
}

/// A cost probe for callgrind: serves `GWC_WAF_COST_N` requests (after one warm-up) of the kind
/// `GWC_WAF_COST` names (`get` or `post`) through a gateway with the WAF off or, with
/// `GWC_WAF_COST_ON=1`, with the managed `core` and `sql_database` groups on as
/// `bench/proxy/waf` sets them (and with `GWC_WAF_COST_HIGH=1` a high-sensitivity `sqli` rule).
/// Instructions per request are (Ir(N) − Ir(0)) / N of two runs.
/// Every request must pass (a blocked one would skip most of the work).
#[tokio::test]
#[ignore = "a cost probe, run under callgrind (see BENCHMARKS.md)"]
async fn waf_cost_probe() {
    let n: usize = std::env::var("GWC_WAF_COST_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let post = std::env::var("GWC_WAF_COST").is_ok_and(|v| v == "post");
    let on = std::env::var("GWC_WAF_COST_ON").is_ok_and(|v| v == "1");
    // `GWC_WAF_COST_JUDGE_ONLY=1`: the SQLi judge without its fast path (the "before").
    if std::env::var("GWC_WAF_COST_JUDGE_ONLY").is_ok_and(|v| v == "1") {
        super::detect::JUDGE_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let group = |name: &'static str, overrides: Vec<RuleOverride>| {
        rule(
            name,
            WafAction::Block,
            WafCondition::Managed(ManagedGroup {
                name: name.into(),
                overrides,
                ..ManagedGroup::default()
            }),
        )
    };
    let body_size = RuleOverride {
        rule: "SizeRestrictions_BODY".into(),
        action: OverrideAction::Count,
    };
    // `GWC_WAF_COST_HIGH=1`: also a `sqli` rule at high sensitivity on every part.
    let high = std::env::var("GWC_WAF_COST_HIGH").is_ok_and(|v| v == "1");
    let waf = on.then(|| {
        let mut rules = vec![
            group("core", vec![body_size]),
            group("sql_database", Vec::new()),
        ];
        if high {
            rules.push(rule(
                "strict",
                WafAction::Block,
                WafCondition::Sqli {
                    parts: vec![
                        InspectedPart::Path,
                        InspectedPart::Query,
                        InspectedPart::Headers,
                        InspectedPart::Cookies,
                        InspectedPart::Body,
                    ],
                    sensitivity: SqliSensitivity::High,
                },
            ));
        }
        set("api", WafAction::Allow, rules)
    });
    let w = gateway(waf, None);
    let body = if post { catalogue_body() } else { Vec::new() };
    for _ in 0..=n {
        let sent = if post {
            send(
                &w,
                "192.0.2.1",
                |b| {
                    b.uri("/open")
                        .method("POST")
                        .header("content-type", "application/json")
                        .header("user-agent", "wrk")
                },
                &body,
            )
            .await
        } else {
            send(
                &w,
                "192.0.2.1",
                |b| {
                    b.uri("/open?limit=10&sort=name")
                        .header("user-agent", "wrk")
                        .header("cookie", "session=ab12cd34ef")
                },
                b"",
            )
            .await
        };
        assert_eq!(sent.status(), StatusCode::OK, "{:?}", sent.rule());
    }
}
