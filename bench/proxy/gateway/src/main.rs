//! The benchmark gateway: `GET /hello` (and any method on `/{proxy+}`) proxied to
//! `${stageVariables.backend}`, exactly as a generated crate would serve it.

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::{
    ApiKind, Gateway, HttpProxy, Integration, ManagedGroup, Method, Millis, OverrideAction,
    PathTemplate, Route, RuleOverride, Stage, StageVariable, UriTemplate, WafAction, WafCondition,
    WafRule, WafRuleSet, WafRuleSetId,
};

fn route(method: Method, path: &str, uri: &str) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).expect("static template"),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse(uri).expect("static template"),
        }),
        timeout: Millis(29_000),
        ..Route::default()
    }
}

fn gateway() -> Gateway {
    Gateway {
        name: "bench".into(),
        kind: ApiKind::Http,
        listen: "127.0.0.1:18083".into(),
        default_stage: "bench".into(),
        stages: vec![Stage {
            name: "bench".into(),
            variables: vec![StageVariable {
                name: "backend".into(),
                value: "http://127.0.0.1:18081".into(),
            }],
        }],
        routes: vec![
            route(Method::Get, "/hello", "${stageVariables.backend}/hello"),
            route(
                Method::Any,
                "/{proxy+}",
                "${stageVariables.backend}/{proxy}",
            ),
        ],
        ..Gateway::default()
    }
}

/// The API-wide rule set `bench/proxy/waf` measures: AWS's common and SQL database managed
/// groups (ours: `core` and `sql_database`), blocking, with the default inspection settings;
/// `SizeRestrictions_BODY` counts, as it must for an API that takes the bench's 64 KiB bodies.
fn waf() -> WafRuleSet {
    let group = |name: &'static str, overrides: Vec<RuleOverride>| WafRule {
        name: name.into(),
        action: WafAction::Block,
        condition: WafCondition::Managed(ManagedGroup {
            name: name.into(),
            overrides,
            ..ManagedGroup::default()
        }),
        ..WafRule::default()
    };
    let body_size = RuleOverride {
        rule: "SizeRestrictions_BODY".into(),
        action: OverrideAction::Count,
    };
    WafRuleSet {
        name: "api".into(),
        default_action: WafAction::Allow,
        rules: vec![
            group("core", vec![body_size]),
            group("sql_database", Vec::new()),
        ],
        ..WafRuleSet::default()
    }
}

fn main() -> std::process::ExitCode {
    let mut gw = gateway();
    // `GWC_BENCH_WAF=1`: the same gateway with the WAF on (an environment variable, since the
    // command line belongs to the runtime).
    if std::env::var_os("GWC_BENCH_WAF").is_some_and(|v| v == "1") {
        gw.waf_rule_sets.push(waf());
        gw.waf = Some(WafRuleSetId(0));
    }
    gwc_runtime::main(gw)
}
