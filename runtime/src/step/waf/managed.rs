//! The built-in rule groups, enabled by name (`gwc_ir::MANAGED_GROUPS` lists them), modelled
//! on AWS's managed groups of the same purpose: `core` (size limits, SSRF to the metadata
//! service, path traversal, remote file inclusion, restricted extensions, XSS),
//! `sql_database` (SQL injection by location), `known_bad_inputs` (Log4j lookups, Java
//! deserialisation, exploitable paths, `Host: localhost`, `PROPFIND`) and `ip_reputation`
//! (the addresses in the group's list files). Each rule can be overridden to `count` or `off`,
//! and a group rule whose action is `count` counts every match of the group.
//!
//! The rules are written from the protocols and the attack classes, not from any test corpus.

use crate::ir::{
    Comparison, InspectedPart, ManagedGroup, MatchTest, OverrideAction, SizeTest, SqliSensitivity,
    Str, Transform, WafAction, WafCondition, WafField, WafMatch, WafRule,
};

fn m(field: WafField, transforms: &[Transform], test: MatchTest) -> WafCondition {
    WafCondition::Match(WafMatch {
        field,
        transforms: transforms.to_vec(),
        test,
    })
}

fn re(s: &'static str) -> MatchTest {
    MatchTest::Regex(Str::Borrowed(s))
}

fn larger(field: WafField, size: u64) -> WafCondition {
    m(
        field,
        &[],
        MatchTest::Size(SizeTest {
            op: Comparison::Gt,
            size,
        }),
    )
}

fn any_of(fields: &[WafField], transforms: &[Transform], pattern: &'static str) -> WafCondition {
    WafCondition::Or {
        any: fields
            .iter()
            .map(|f| m(f.clone(), transforms, re(pattern)))
            .collect(),
    }
}

/// AWS's `SQLi_*` rules: one request part at the default sensitivity.
fn sqli(part: InspectedPart) -> WafCondition {
    WafCondition::Sqli {
        parts: vec![part],
        sensitivity: SqliSensitivity::Low,
    }
}

fn rule(name: &'static str, condition: WafCondition) -> WafRule {
    WafRule {
        name: Str::Borrowed(name),
        action: WafAction::Block,
        condition,
        response: None,
        oversize: crate::ir::Oversize::Continue,
    }
}

const URL: &[Transform] = &[Transform::UrlDecode, Transform::UrlDecode];
const URL_HTML: &[Transform] = &[
    Transform::UrlDecode,
    Transform::UrlDecode,
    Transform::HtmlEntityDecode,
];

fn data_fields() -> Vec<WafField> {
    vec![
        WafField::Path,
        WafField::AllQueryArgs,
        WafField::Cookies,
        WafField::Body,
    ]
}

/// Every rule of a group, before overrides.
fn group_rules(group: &ManagedGroup) -> Result<Vec<WafRule>, String> {
    Ok(match group.name.as_ref() {
        "core" => vec![
            rule(
                "NoUserAgent_HEADER",
                WafCondition::Not {
                    not: Box::new(m(
                        WafField::Header(Str::Borrowed("user-agent")),
                        &[],
                        re(r"\S"),
                    )),
                },
            ),
            rule(
                "SizeRestrictions_QUERYSTRING",
                larger(WafField::QueryString, 2048),
            ),
            rule(
                "SizeRestrictions_Cookie_HEADER",
                larger(WafField::Cookies, 10240),
            ),
            rule("SizeRestrictions_BODY", larger(WafField::Body, 8192)),
            rule("SizeRestrictions_URIPATH", larger(WafField::Path, 1024)),
            rule(
                "EC2MetaDataSSRF",
                any_of(
                    &data_fields(),
                    URL,
                    r"(?i)(?:169\.254\.169\.254|\[?fd00:ec2::254\]?|metadata\.google\.internal)",
                ),
            ),
            rule(
                "GenericLFI",
                any_of(
                    &data_fields(),
                    URL,
                    r"(?i)(?:(?:^|[/\\])\.\.[/\\]|/etc/(?:passwd|shadow|hosts)|/proc/self/|\\windows\\win\.ini|c:\\boot\.ini)",
                ),
            ),
            rule(
                "RestrictedExtensions_URIPATH",
                m(
                    WafField::Path,
                    &[Transform::UrlDecode, Transform::Lowercase],
                    re(
                        r"\.(?:log|ini|bak|backup|cfg|conf|config|env|sql|swp|old|tmp|htaccess|htpasswd|pem|key)$",
                    ),
                ),
            ),
            rule(
                "GenericRFI",
                any_of(
                    &[WafField::AllQueryArgs, WafField::Body],
                    URL,
                    r"(?i)^(?:https?|ftps?|file)://(?:\d{1,3}\.){3}\d{1,3}",
                ),
            ),
            rule(
                "CrossSiteScripting",
                WafCondition::Xss {
                    parts: vec![
                        InspectedPart::Path,
                        InspectedPart::Query,
                        InspectedPart::Cookies,
                        InspectedPart::Body,
                    ],
                },
            ),
        ],
        "sql_database" => vec![
            rule("SQLi_QUERYARGUMENTS", sqli(InspectedPart::Query)),
            rule("SQLi_BODY", sqli(InspectedPart::Body)),
            rule("SQLi_COOKIE", sqli(InspectedPart::Cookies)),
            rule("SQLi_URIPATH", sqli(InspectedPart::Path)),
        ],
        "known_bad_inputs" => vec![
            rule(
                "JavaDeserializationRCE",
                any_of(
                    &[WafField::AllHeaders, WafField::AllQueryArgs, WafField::Body],
                    URL,
                    r"(?i)(?:rO0AB|\xac\xed\x00\x05|aced0005|java\.lang\.(?:Runtime|ProcessBuilder))",
                ),
            ),
            rule(
                "Host_localhost_HEADER",
                m(
                    WafField::Header(Str::Borrowed("host")),
                    &[],
                    re(r"(?i)^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$"),
                ),
            ),
            rule(
                "PROPFIND_METHOD",
                m(
                    WafField::Method,
                    &[],
                    MatchTest::Exactly(Str::Borrowed("PROPFIND")),
                ),
            ),
            rule(
                "ExploitablePaths_URIPATH",
                m(
                    WafField::Path,
                    &[Transform::UrlDecode, Transform::Lowercase],
                    re(
                        r"(?:/\.git/|/\.svn/|/\.aws/|/\.env$|/web-inf/|/wp-admin/|/phpmyadmin|/cgi-bin/|/server-status|/actuator/)",
                    ),
                ),
            ),
            rule(
                "Log4JRCE",
                any_of(
                    &[
                        WafField::Path,
                        WafField::AllQueryArgs,
                        WafField::AllHeaders,
                        WafField::Body,
                    ],
                    URL_HTML,
                    r"(?i)\$\{(?:jndi|lower|upper|env|sys|date|main|java|::-)",
                ),
            ),
        ],
        "ip_reputation" => {
            if group.lists.is_empty() {
                return Err(
                    "the `ip_reputation` group needs `lists` (files of CIDRs, one per line)"
                        .to_owned(),
                );
            }
            vec![rule(
                "IpReputationList",
                WafCondition::IpSet {
                    cidrs: Vec::new(),
                    files: group.lists.clone(),
                    forwarded: false,
                },
            )]
        }
        other => return Err(format!("no managed rule group `{other}`")),
    })
}

/// The group's rules with overrides applied; `group_action` `count` counts them all.
pub(crate) fn expand(
    group: &ManagedGroup,
    group_action: WafAction,
) -> Result<Vec<WafRule>, String> {
    let mut rules = group_rules(group)?;
    for o in &group.overrides {
        if !rules.iter().any(|r| r.name == o.rule) {
            return Err(format!(
                "managed group `{}` has no rule `{}`",
                group.name, o.rule
            ));
        }
    }
    rules.retain_mut(|r| {
        if group_action == WafAction::Count {
            r.action = WafAction::Count;
        }
        match group.overrides.iter().find(|o| o.rule == r.name) {
            Some(o) if o.action == OverrideAction::Off => false,
            Some(_) => {
                r.action = WafAction::Count;
                true
            }
            None => true,
        }
    });
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_match_the_ir_table() {
        for (name, rules) in crate::ir::MANAGED_GROUPS {
            let group = ManagedGroup {
                name: Str::Borrowed(name),
                overrides: Vec::new(),
                lists: vec![Str::Borrowed("list.txt")],
            };
            let defined: Vec<String> = group_rules(&group)
                .unwrap()
                .iter()
                .map(|r| r.name.to_string())
                .collect();
            assert_eq!(defined, *rules, "group {name}");
        }
    }

    #[test]
    fn overrides() {
        let group = ManagedGroup {
            name: Str::Borrowed("sql_database"),
            overrides: vec![
                crate::ir::RuleOverride {
                    rule: Str::Borrowed("SQLi_BODY"),
                    action: OverrideAction::Off,
                },
                crate::ir::RuleOverride {
                    rule: Str::Borrowed("SQLi_COOKIE"),
                    action: OverrideAction::Count,
                },
            ],
            lists: Vec::new(),
        };
        let rules = expand(&group, WafAction::Block).unwrap();
        let shown: Vec<(String, WafAction)> = rules
            .iter()
            .map(|r| (r.name.to_string(), r.action))
            .collect();
        assert_eq!(
            shown,
            [
                ("SQLi_QUERYARGUMENTS".to_owned(), WafAction::Block),
                ("SQLi_COOKIE".to_owned(), WafAction::Count),
                ("SQLi_URIPATH".to_owned(), WafAction::Block),
            ]
        );
        let mut bad = group;
        bad.overrides[0].rule = Str::Borrowed("nope");
        assert!(expand(&bad, WafAction::Block).is_err());
    }
}
