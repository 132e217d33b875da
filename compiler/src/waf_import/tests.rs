//! The importer on a realistic export (`tests/fixtures/waf-import`: an ACL as `aws wafv2
//! get-web-acl` prints it, with the IP set and regex pattern set it references): the YAML it
//! writes, that the YAML lowers into the rules the ACL describes, and what it reports.

use std::path::Path;

use expect_test::expect_file;

use super::*;
use crate::diagnostics::Severity;
use crate::load::load_str;
use crate::openapi::Api;
use crate::source::SourceMap;

const ACL: &str = include_str!("../../../tests/fixtures/waf-import/web-acl.json");
const IP_SET: &str = include_str!("../../../tests/fixtures/waf-import/ip-set.json");
const REGEX_SET: &str = include_str!("../../../tests/fixtures/waf-import/regex-set.json");

/// The options the fixture needs: a country database for its geo rule.
fn with_geo() -> ImportOptions {
    ImportOptions {
        geo_database: Some("GeoLite2-Country.mmdb".into()),
        ..ImportOptions::default()
    }
}

fn run(acl: &str, options: &ImportOptions) -> (Option<Imported>, Diagnostics, SourceMap) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let imported = import_text(
        (Path::new("web-acl.json"), acl),
        &[
            (Path::new("ip-set.json"), IP_SET),
            (Path::new("regex-set.json"), REGEX_SET),
        ],
        options,
        &mut sources,
        &mut diags,
    );
    (imported, diags, sources)
}

/// `(code, rule-name-bearing message, file:line:col)` of every warning and error.
fn findings(diags: &Diagnostics, sources: &SourceMap) -> Vec<(String, String, String)> {
    diags
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| {
            (
                d.code.to_owned(),
                d.message.clone(),
                d.primary
                    .as_ref()
                    .map(|l| sources.location(l.span))
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// The imported YAML pasted under `x-gateway.waf` of a spec: the spec's diagnostics and rules.
fn lower(yaml: &str) -> (Diagnostics, Vec<gwc_ir::WafRule>) {
    let indented: String = yaml.lines().map(|l| format!("    {l}\n")).collect();
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'http://127.0.0.1:9'}}]\nx-gateway:\n  name: imported\n  waf:\n{indented}paths:\n  /a:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
    );
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = load_str(Path::new("spec.yaml"), &spec, &mut sources, &mut diags).expect("loads");
    let api = Api::from_document(&doc, &sources, &mut diags).expect("an API");
    let lowered = crate::lower::lower(&api, crate::lower::Purpose::Serve, &mut diags);
    let rules = lowered
        .map(|l| {
            l.gateway
                .waf_rule_sets
                .first()
                .map(|s| s.rules.clone())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    if diags.has_errors() {
        panic!("{}\n{spec}", diags.render(&sources, false));
    }
    (diags, rules)
}

#[test]
fn a_realistic_export_becomes_vocabulary() {
    let (imported, diags, _) = run(ACL, &with_geo());
    let imported = imported.expect("imported");
    expect_file!["expected-web-acl.yaml"].assert_eq(&imported.yaml);
    assert!(!diags.has_errors());
    assert_eq!((imported.rules, imported.skipped), (14, 2));
}

#[test]
fn the_imported_rules_lower_in_the_acl_order() {
    let (imported, _, _) = run(ACL, &with_geo());
    let (_, rules) = lower(&imported.expect("imported").yaml);
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "blocked-networks",
            "embargoed-countries",
            "AWS-AWSManagedRulesCommonRuleSet",
            "AWS-AWSManagedRulesSQLiRuleSet",
            "AWS-AWSManagedRulesKnownBadInputsRuleSet",
            "scanners",
            "admin-outside-office",
            "oversized-uploads",
            "sqli-search",
            "xss-reviews",
            "legacy-api-version",
            "login-flood",
            "tenant-rate",
            "bot-challenge",
        ]
    );
    use gwc_ir::{WafAction as A, WafCondition as C};
    let by = |n: &str| rules.iter().find(|r| r.name == n).expect(n);
    assert!(
        matches!(&by("blocked-networks").condition, C::IpSet { cidrs, .. } if cidrs.len() == 2)
    );
    assert_eq!(
        by("AWS-AWSManagedRulesKnownBadInputsRuleSet").action,
        A::Count
    );
    assert_eq!(by("bot-challenge").action, A::Count, "CAPTCHA only counts");
    assert_eq!(by("legacy-api-version").action, A::Count);
    let scanners = by("scanners");
    let response = scanners.response.as_ref().expect("custom response");
    assert_eq!(response.status, 406);
    assert_eq!(response.body, r#"{"message":"scanners are not welcome"}"#);
    assert!(
        response
            .headers
            .iter()
            .any(|h| h.name == "x-amzn-waf-blocked-by" && h.value == "storefront-acl")
    );
    match &by("AWS-AWSManagedRulesCommonRuleSet").condition {
        C::Managed(g) => {
            let o: Vec<&str> = g.overrides.iter().map(|o| o.rule.as_ref()).collect();
            assert_eq!(o, ["SizeRestrictions_BODY", "NoUserAgent_HEADER"]);
        }
        other => panic!("{other:?}"),
    }
    match &by("login-flood").condition {
        C::And { all } => assert!(matches!(all[1], C::RateBased { limit: 100, .. })),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&by("tenant-rate").condition, C::RateBased { key, .. } if key == "header:x-tenant")
    );
}

#[test]
fn what_cannot_be_mapped_is_reported_with_rule_path_and_position() {
    let (_, diags, sources) = run(ACL, &with_geo());
    let found = findings(&diags, &sources);
    let unmapped: Vec<_> = found
        .iter()
        .filter(|(c, _, _)| c == codes::UNMAPPED)
        .collect();
    assert_eq!(unmapped.len(), 2, "{found:#?}");
    assert!(
        unmapped[0].1.contains("`labelled-bots`"),
        "{:?}",
        unmapped[0]
    );
    assert!(
        unmapped[1].1.contains("`lookaround-regex`"),
        "{:?}",
        unmapped[1]
    );
    assert!(unmapped[1].1.contains("look-around"), "{:?}", unmapped[1]);
    // The regex's own line in the export.
    let line = ACL
        .lines()
        .position(|l| l.contains("(?<!"))
        .expect("the regex line")
        + 1;
    assert!(
        unmapped[1].2.starts_with(&format!("web-acl.json:{line}:")),
        "{:?}",
        unmapped[1]
    );
    let approximate: Vec<&str> = found
        .iter()
        .filter(|(c, _, _)| c == codes::APPROXIMATE)
        .map(|(_, m, _)| m.as_str())
        .collect();
    for expected in [
        "`bot-challenge` imported with a difference: there is no Captcha",
        "`login-flood` imported with a difference: every request is counted",
        "`legacy-api-version` imported with a difference: the query argument's name",
    ] {
        assert!(
            approximate.iter().any(|m| m.contains(expected)),
            "{expected}: {approximate:#?}"
        );
    }
    let rendered = diags.render(&sources, false);
    assert!(
        rendered.contains("/WebACL/Rules/14/Statement/LabelMatchStatement"),
        "{rendered}"
    );
}

#[test]
fn missing_sets_and_unknown_groups_are_reported_not_guessed() {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let acl = r#"{"Name": "x", "DefaultAction": {"Block": {}}, "Rules": [
        {"Name": "ips", "Priority": 1, "Statement": {"IPSetReferenceStatement": {"ARN": "arn:aws:wafv2:us-east-1:1:regional/ipset/x/1"}}, "Action": {"Block": {}}},
        {"Name": "bots", "Priority": 2, "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesBotControlRuleSet"}}, "OverrideAction": {"None": {}}},
        {"Name": "rep", "Priority": 3, "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesAmazonIpReputationList"}}, "OverrideAction": {"None": {}}},
        {"Name": "two-keys", "Priority": 4, "Statement": {"RateBasedStatement": {"Limit": 10, "AggregateKeyType": "CUSTOM_KEYS", "CustomKeys": [{"IP": {}}, {"HTTPMethod": {}}]}}, "Action": {"Block": {}}},
        {"Name": "geo", "Priority": 6, "Statement": {"GeoMatchStatement": {"CountryCodes": ["KP"]}}, "Action": {"Block": {}}},
        {"Name": "ja3", "Priority": 5, "Statement": {"ByteMatchStatement": {"SearchString": "abc", "FieldToMatch": {"JA3Fingerprint": {"FallbackBehavior": "NO_MATCH"}}, "TextTransformations": [], "PositionalConstraint": "EXACTLY"}}, "Action": {"Block": {}}}
    ]}"#;
    let imported = import_text(
        (Path::new("acl.json"), acl),
        &[],
        &ImportOptions::default(),
        &mut sources,
        &mut diags,
    )
    .expect("imported");
    assert_eq!((imported.rules, imported.skipped), (0, 6));
    assert!(imported.yaml.contains("default_action: block"));
    let messages: Vec<String> = findings(&diags, &sources)
        .into_iter()
        .map(|f| f.1)
        .collect();
    for expected in [
        "`ips` left out: IP set arn:aws:wafv2:us-east-1:1:regional/ipset/x/1 was not given",
        "`bots` left out: managed rule group AWS/AWSManagedRulesBotControlRuleSet is not built in",
        "`rep` left out: Amazon's IP reputation list is not public",
        "`two-keys` left out: a rate key made of several parts",
        "`ja3` left out: the request field `JA3Fingerprint`",
        "`geo` left out: a geo match needs a country database",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected}: {messages:#?}"
        );
    }
    // With a reputation list, that group imports.
    let mut diags = Diagnostics::new();
    let options = ImportOptions {
        ip_reputation_lists: vec!["bad-ips.txt".into()],
        ..ImportOptions::default()
    };
    let imported = import_text(
        (Path::new("acl.json"), acl),
        &[],
        &options,
        &mut sources,
        &mut diags,
    )
    .expect("imported");
    assert!(
        imported.yaml.contains("lists: [bad-ips.txt]"),
        "{}",
        imported.yaml
    );
}

#[test]
fn not_a_web_acl_is_an_error() {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let got = import_text(
        (Path::new("x.json"), r#"{"IPSet": {"Addresses": []}}"#),
        &[],
        &ImportOptions::default(),
        &mut sources,
        &mut diags,
    );
    assert!(got.is_none());
    assert!(diags.has_errors());
    let mut diags = Diagnostics::new();
    assert!(
        import_text(
            (Path::new("x.json"), "{\"Rules\": [}"),
            &[],
            &ImportOptions::default(),
            &mut sources,
            &mut diags
        )
        .is_none()
    );
    assert!(diags.has_errors());
}

#[test]
fn search_strings_are_read_as_base64_only_when_they_decode_to_text() {
    assert_eq!(base64_text("L2FkbWlu").as_deref(), Some("/admin"));
    assert_eq!(base64_text("dGVzdA==").as_deref(), Some("test"));
    assert_eq!(
        base64_text("test"),
        None,
        "decodes to bytes that are not text"
    );
    assert_eq!(base64_text("/api"), None);
    assert_eq!(base64_text("abc"), None, "not a multiple of four");
    assert_eq!(base64_text("a=bc"), None, "padding inside");
    let (imported, _, _) = run(
        ACL,
        &ImportOptions {
            raw_search_strings: true,
            ..ImportOptions::default()
        },
    );
    assert!(imported.expect("imported").yaml.contains("L2FkbWlu"));
}

#[test]
fn sensitivity_levels_map_to_sqli_rules_and_a_bad_one_is_reported() {
    let statement = |kind: &str, level: &str| {
        format!(
            r#"{{"Name": "x", "DefaultAction": {{"Allow": {{}}}}, "Rules": [
        {{"Name": "r", "Priority": 1, "Action": {{"Block": {{}}}},
         "Statement": {{"{kind}": {{"FieldToMatch": {{"QueryString": {{}}}},
           "TextTransformations": [{{"Priority": 0, "Type": "NONE"}}],
           "SensitivityLevel": "{level}"}}}}}}]}}"#
        )
    };
    let (imported, diags, sources) = run(&statement("SqliMatchStatement", "HIGH"), &with_geo());
    assert!(findings(&diags, &sources).is_empty());
    assert!(
        imported
            .expect("imported")
            .yaml
            .contains("sensitivity: high")
    );
    let (imported, _, _) = run(&statement("SqliMatchStatement", "LOW"), &with_geo());
    assert!(!imported.expect("imported").yaml.contains("sensitivity"));
    for (kind, level) in [
        ("SqliMatchStatement", "MEDIUM"),
        ("XssMatchStatement", "HIGH"),
    ] {
        let (_, diags, sources) = run(&statement(kind, level), &with_geo());
        let found = findings(&diags, &sources);
        assert!(
            found.iter().any(|(c, m, _)| c == codes::UNMAPPED
                && m.contains(&format!("SensitivityLevel: {level}"))),
            "{kind} {level}: {found:#?}"
        );
    }
}
