//! `gwc waf import`: an AWS WAF web ACL, as `aws wafv2 get-web-acl` prints it, turned into the
//! `x-gateway.waf` vocabulary, so a team can bring its rules and then own them in its spec.
//!
//! Why a command that writes vocabulary rather than a spec key that reads the export: the
//! imported rules are meant to be reviewed and kept, and AWS's model has pieces this engine
//! does not (labels, CAPTCHA, rule groups of your own, some transformations); every such piece
//! is reported once, here, with the rule's name, the JSON path and the export's line and
//! column, instead of on every `gwc check`. IP sets and regex pattern sets are separate AWS
//! resources: their exports (`aws wafv2 get-ip-set`, `get-regex-pattern-set`) are given
//! alongside and matched by ARN.
//!
//! The output is YAML for the `x-gateway.waf` mapping. Strings are written in JSON's quoted
//! form (valid YAML), so no value can change meaning when pasted.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{self, Limits, Node, Value};
use crate::source::{SourceMap, Span};

/// Stable diagnostic codes of the importer (listed in `docs/diagnostics.md`).
pub mod codes {
    /// The export cannot be read as a web ACL (not JSON, no `Rules`, a set file of another
    /// kind).
    pub const BAD_EXPORT: &str = "gwc::waf_import::bad_export";
    /// A rule, or part of one, this engine has no equivalent for: the rule is left out.
    pub const UNMAPPED: &str = "gwc::waf_import::unmapped";
    /// A rule imported with a difference from AWS's behaviour, named in the message.
    pub const APPROXIMATE: &str = "gwc::waf_import::approximate";
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// YAML for the `x-gateway.waf` mapping (with a comment line naming the source).
    pub yaml: String,
    /// Rules written.
    pub rules: usize,
    /// Rules of the ACL left out (each has a diagnostic).
    pub skipped: usize,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Exports of the IP sets and regex pattern sets the ACL references (by ARN).
    pub sets: Vec<PathBuf>,
    /// CIDR list files for `AWSManagedRulesAmazonIpReputationList` (our `ip_reputation`).
    pub ip_reputation_lists: Vec<String>,
    /// MaxMind country database for geo rules (`x-gateway.waf.geo_database`); without one,
    /// geo rules are left out.
    pub geo_database: Option<String>,
    /// Take `ByteMatchStatement.SearchString` as written, never as base64 (the AWS CLI prints
    /// blobs in base64; an ACL written by hand has them in clear).
    pub raw_search_strings: bool,
}

/// Reads the export at `acl` and the set exports, and converts; diagnostics go to `diags`
/// (their files to `sources`). `None` when the ACL cannot be read at all.
pub fn import(
    acl: &Path,
    options: &ImportOptions,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Imported> {
    let acl_node = read(acl, sources, diags)?;
    let mut sets = Vec::new();
    for s in &options.sets {
        sets.push(read(s, sources, diags)?);
    }
    convert(&acl_node, &sets, options, &acl.display().to_string(), diags)
}

/// Converts from text (tests, editors): the ACL and the set exports, each with the name its
/// diagnostics show.
pub fn import_text(
    acl: (&Path, &str),
    sets: &[(&Path, &str)],
    options: &ImportOptions,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Imported> {
    let acl_node = parse(acl.0, acl.1, sources, diags)?;
    let mut set_nodes = Vec::new();
    for (path, text) in sets {
        set_nodes.push(parse(path, text, sources, diags)?);
    }
    convert(
        &acl_node,
        &set_nodes,
        options,
        &acl.0.display().to_string(),
        diags,
    )
}

fn read(path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Option<Node> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text, sources, diags),
        Err(e) => {
            diags.push(
                Diagnostic::error(codes::BAD_EXPORT, format!("cannot read {}: {e}", path.display()))
                    .with_help("give the file `aws wafv2 get-web-acl` (or `get-ip-set`, `get-regex-pattern-set`) wrote"),
            );
            None
        }
    }
}

fn parse(
    path: &Path,
    text: &str,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let file = sources.add(path, text);
    load::parse_text(file, path, text, &Limits::default(), diags)
}

/// A YAML value being written: order kept, strings always quoted.
#[derive(Debug, Clone)]
enum Y {
    Str(String),
    Int(i64),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

fn s(v: impl Into<String>) -> Y {
    Y::Str(v.into())
}

/// One rule mapping under construction.
type Fields = Vec<(String, Y)>;

struct Sets {
    /// IP set ARN → (name in `ip_sets`, addresses).
    ip: HashMap<String, (String, Vec<String>)>,
    /// Regex pattern set ARN → patterns with their spans.
    regex: HashMap<String, Vec<(String, Span)>>,
}

struct Cx<'a> {
    diags: &'a mut Diagnostics,
    sets: Sets,
    /// Custom response bodies of the ACL: key → (content type, content).
    bodies: HashMap<String, (String, String)>,
    /// IP sets used, in first-use order.
    used_ip_sets: Vec<(String, Vec<String>)>,
    options: &'a ImportOptions,
    /// Name of the rule being converted (for messages).
    rule: String,
}

impl Cx<'_> {
    fn unmapped(&mut self, node: &Node, path: &str, why: impl Into<String>, help: &str) {
        let d = Diagnostic::warning(
            codes::UNMAPPED,
            format!("rule `{}` left out: {}", self.rule, why.into()),
        )
        .with_span(node.span, format!("at {path}"))
        .with_help(help.to_owned());
        self.diags.push(d);
    }

    fn approximate(&mut self, node: &Node, path: &str, why: impl Into<String>) {
        let d = Diagnostic::warning(
            codes::APPROXIMATE,
            format!(
                "rule `{}` imported with a difference: {}",
                self.rule,
                why.into()
            ),
        )
        .with_span(node.span, format!("at {path}"));
        self.diags.push(d);
    }
}

fn bad_export(node: &Node, message: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::error(codes::BAD_EXPORT, message)
        .with_span(node.span, "here")
        .with_help(help.to_owned())
}

fn convert(
    root: &Node,
    set_nodes: &[Node],
    options: &ImportOptions,
    source_name: &str,
    diags: &mut Diagnostics,
) -> Option<Imported> {
    // `get-web-acl` prints `{"WebACL": {...}, "LockToken": ...}`; accept the bare object too.
    let acl = root.get("WebACL").unwrap_or(root);
    let Some(rules) = acl.get("Rules").and_then(Node::as_seq) else {
        diags.push(bad_export(
            acl,
            "this is not a web ACL export: no `Rules` list",
            "give the JSON `aws wafv2 get-web-acl --name NAME --scope REGIONAL --id ID` prints",
        ));
        return None;
    };
    let sets = read_sets(set_nodes, diags)?;
    let mut bodies = HashMap::new();
    if let Some(entries) = acl.get("CustomResponseBodies").and_then(Node::as_map) {
        for e in entries {
            let ct = e.value.get_str("ContentType").unwrap_or("TEXT_PLAIN");
            let content = e.value.get_str("Content").unwrap_or("");
            bodies.insert(e.key.clone(), (ct.to_owned(), content.to_owned()));
        }
    }
    let mut cx = Cx {
        diags,
        sets,
        bodies,
        used_ip_sets: Vec::new(),
        options,
        rule: String::new(),
    };
    let mut out: Fields = Vec::new();
    let default_action = match acl.get("DefaultAction") {
        Some(d) if d.get("Block").is_some() => {
            let block = d.get("Block").unwrap_or(d);
            if let Some(c) = block.get("CustomResponse") {
                cx.rule = "DefaultAction".to_owned();
                cx.approximate(
                    c,
                    "/WebACL/DefaultAction/Block/CustomResponse",
                    "the default block answers with the `WAF_FILTERED` gateway response, not this custom response; set `x-gateway.gateway_responses.WAF_FILTERED` to change it",
                );
            }
            "block"
        }
        Some(d) => {
            if let Some(c) = d.get("Allow").and_then(|a| a.get("CustomRequestHandling")) {
                cx.rule = "DefaultAction".to_owned();
                cx.approximate(
                    c,
                    "/WebACL/DefaultAction/Allow/CustomRequestHandling",
                    "headers AWS inserts into allowed requests are not added",
                );
            }
            "allow"
        }
        None => "allow",
    };
    out.push(("default_action".into(), s(default_action)));
    if let Some(db) = &options.geo_database {
        out.push(("geo_database".into(), s(db.clone())));
    }
    if let Some(limit) = body_limit(acl) {
        out.push(("body_inspection_limit".into(), s(limit)));
    }
    let mut written = Vec::new();
    let mut skipped = 0;
    for (i, rule) in rules.iter().enumerate() {
        let path = format!("/WebACL/Rules/{i}");
        cx.rule = rule.get_str("Name").unwrap_or("(unnamed)").to_owned();
        match convert_rule(&mut cx, rule, &path) {
            Some(r) => written.push(Y::Map(r)),
            None => skipped += 1,
        }
    }
    for key in [
        "PreProcessFirewallManagerRuleGroups",
        "PostProcessFirewallManagerRuleGroups",
    ] {
        if let Some(groups) = acl
            .get(key)
            .and_then(Node::as_seq)
            .filter(|g| !g.is_empty())
        {
            cx.rule = key.to_owned();
            cx.unmapped(
                &groups[0],
                &format!("/WebACL/{key}"),
                "Firewall Manager rule groups are defined outside the ACL",
                "import the groups' rules as rules of their own",
            );
            skipped += groups.len();
        }
    }
    if !cx.used_ip_sets.is_empty() {
        let sets = cx
            .used_ip_sets
            .iter()
            .map(|(name, addrs)| {
                (
                    name.clone(),
                    Y::Seq(addrs.iter().map(|a| s(a.clone())).collect()),
                )
            })
            .collect();
        out.push(("ip_sets".into(), Y::Map(sets)));
    }
    let count = written.len();
    out.push(("rules".into(), Y::Seq(written)));
    let mut yaml = format!(
        "# x-gateway.waf imported by `gwc waf import` from {source_name}{}\n",
        acl.get_str("Name")
            .map(|n| format!(" (web ACL `{n}`)"))
            .unwrap_or_default()
    );
    write_map(&mut yaml, &out, 0);
    Some(Imported {
        yaml,
        rules: count,
        skipped,
    })
}

/// `AssociationConfig.RequestBody.<resource>.DefaultSizeInspectionLimit` (`KB_16` … `KB_64`),
/// API Gateway's entry first.
fn body_limit(acl: &Node) -> Option<String> {
    let body = acl.get("AssociationConfig")?.get("RequestBody")?;
    let entry = body
        .get("API_GATEWAY")
        .or_else(|| body.as_map()?.first().map(|e| &e.value))?;
    let kb = entry
        .get_str("DefaultSizeInspectionLimit")?
        .strip_prefix("KB_")?;
    kb.parse::<u32>().ok().map(|n| format!("{n}KiB"))
}

fn read_sets(nodes: &[Node], diags: &mut Diagnostics) -> Option<Sets> {
    let mut sets = Sets {
        ip: HashMap::new(),
        regex: HashMap::new(),
    };
    for node in nodes {
        if let Some(ip) = node
            .get("IPSet")
            .or_else(|| node.get("Addresses").map(|_| node))
        {
            let arn = ip.get_str("ARN").unwrap_or_default().to_owned();
            let name = ip
                .get_str("Name")
                .map(set_name)
                .unwrap_or_else(|| "imported".to_owned());
            let addrs = ip
                .get("Addresses")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect();
            sets.ip.insert(arn, (name, addrs));
        } else if let Some(rx) = node
            .get("RegexPatternSet")
            .or_else(|| node.get("RegularExpressionList").map(|_| node))
        {
            let arn = rx.get_str("ARN").unwrap_or_default().to_owned();
            let patterns = rx
                .get("RegularExpressionList")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| {
                    let n = p.get("RegexString")?;
                    Some((n.as_str()?.to_owned(), n.span))
                })
                .collect();
            sets.regex.insert(arn, patterns);
        } else {
            diags.push(bad_export(
                node,
                "neither an IP set nor a regex pattern set export",
                "give what `aws wafv2 get-ip-set` or `aws wafv2 get-regex-pattern-set` prints",
            ));
            return None;
        }
    }
    Some(sets)
}

/// An AWS set name as a key of `ip_sets` (letters, digits, `-`, `_`).
fn set_name(n: &str) -> String {
    n.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn convert_rule(cx: &mut Cx<'_>, rule: &Node, path: &str) -> Option<Fields> {
    let Some(stmt) = rule.get("Statement") else {
        cx.unmapped(rule, path, "it has no `Statement`", "check the export");
        return None;
    };
    if let Some(labels) = rule
        .get("RuleLabels")
        .and_then(Node::as_seq)
        .filter(|l| !l.is_empty())
    {
        cx.approximate(
            &labels[0],
            &format!("{path}/RuleLabels"),
            "labels are not supported, so no other rule can match on them",
        );
    }
    let stmt_path = format!("{path}/Statement");
    let mut fields: Fields = vec![("name".into(), s(cx.rule.clone()))];
    if let Some(Value::Int(p)) = rule.get("Priority").map(|p| &p.value) {
        fields.push(("priority".into(), Y::Int(*p)));
    }
    if let Some(m) = stmt.get("ManagedRuleGroupStatement") {
        let group = managed(cx, m, &format!("{stmt_path}/ManagedRuleGroupStatement"))?;
        fields.extend(group);
        if rule
            .get("OverrideAction")
            .is_some_and(|o| o.get("Count").is_some())
        {
            fields.push(("action".into(), s("count")));
        }
        return Some(fields);
    }
    let (action, response) = action(cx, rule, path)?;
    fields.extend(statement(cx, stmt, &stmt_path)?);
    fields.push(("action".into(), s(action)));
    if let Some(r) = response {
        fields.push(("response".into(), r));
    }
    Some(fields)
}

/// The rule's `Action`: our action and custom response.
fn action(cx: &mut Cx<'_>, rule: &Node, path: &str) -> Option<(&'static str, Option<Y>)> {
    let Some(a) = rule.get("Action") else {
        cx.unmapped(rule, path, "it has no `Action`", "check the export");
        return None;
    };
    let apath = format!("{path}/Action");
    if let Some(block) = a.get("Block") {
        let response = match block.get("CustomResponse") {
            Some(c) => Some(custom_response(
                cx,
                c,
                &format!("{apath}/Block/CustomResponse"),
            )?),
            None => None,
        };
        return Some(("block", response));
    }
    if let Some(allow) = a.get("Allow") {
        if let Some(c) = allow.get("CustomRequestHandling") {
            cx.approximate(
                c,
                &format!("{apath}/Allow/CustomRequestHandling"),
                "headers AWS inserts into allowed requests are not added",
            );
        }
        return Some(("allow", None));
    }
    if a.get("Count").is_some() {
        return Some(("count", None));
    }
    for kind in ["Captcha", "Challenge"] {
        if let Some(n) = a.get(kind) {
            cx.approximate(
                n,
                &format!("{apath}/{kind}"),
                format!("there is no {kind} here: the rule only counts (blocking would refuse the people a {kind} lets through)"),
            );
            return Some(("count", None));
        }
    }
    cx.unmapped(
        a,
        &apath,
        "an action this engine does not know",
        "use Allow, Block or Count",
    );
    None
}

fn custom_response(cx: &mut Cx<'_>, c: &Node, path: &str) -> Option<Y> {
    let mut r: Fields = Vec::new();
    if let Some(Value::Int(code)) = c.get("ResponseCode").map(|n| &n.value) {
        r.push(("status".into(), Y::Int(*code)));
    }
    let mut headers: Fields = Vec::new();
    let mut body = None;
    if let Some(key) = c.get("CustomResponseBodyKey") {
        let k = key.as_str().unwrap_or_default();
        match cx.bodies.get(k).cloned() {
            Some((ct, content)) => {
                let mime = match ct.as_str() {
                    "APPLICATION_JSON" => "application/json",
                    "TEXT_HTML" => "text/html",
                    _ => "text/plain",
                };
                headers.push(("content-type".into(), s(mime)));
                body = Some(content);
            }
            None => {
                cx.unmapped(
                    key,
                    &format!("{path}/CustomResponseBodyKey"),
                    format!("no custom response body `{k}` in `CustomResponseBodies`"),
                    "export the whole web ACL, which carries its response bodies",
                );
                return None;
            }
        }
    }
    for h in c
        .get("ResponseHeaders")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let (Some(n), Some(v)) = (h.get_str("Name"), h.get_str("Value")) {
            // AWS WAF sends custom response headers with this prefix.
            headers.push((format!("x-amzn-waf-{}", n.to_ascii_lowercase()), s(v)));
        }
    }
    if !headers.is_empty() {
        r.push(("headers".into(), Y::Map(headers)));
    }
    if let Some(b) = body {
        r.push(("body".into(), s(b)));
    }
    Some(Y::Map(r))
}

/// A statement's keys (`type` and what that type takes).
fn statement(cx: &mut Cx<'_>, stmt: &Node, path: &str) -> Option<Fields> {
    let Some(entry) = stmt.as_map().and_then(|m| m.first()) else {
        cx.unmapped(stmt, path, "an empty statement", "check the export");
        return None;
    };
    let (kind, body) = (entry.key.as_str(), &entry.value);
    let path = format!("{path}/{kind}");
    let path = path.as_str();
    match kind {
        "ByteMatchStatement" => byte_match(cx, body, path),
        "RegexMatchStatement" => {
            let pattern = body.get("RegexString");
            let text = pattern.and_then(Node::as_str).unwrap_or_default();
            if let Err(e) = compile(text) {
                let at = pattern.unwrap_or(body);
                cx.unmapped(
                    at,
                    &format!("{path}/RegexString"),
                    format!("the regex does not compile here: {}", first_line(&e.to_string())),
                    "this engine's regexes are linear-time (no look-around or backreferences); rewrite it without them",
                );
                return None;
            }
            matcher(
                cx,
                body,
                path,
                vec![
                    ("type".into(), s("regex_match")),
                    ("pattern".into(), s(text)),
                ],
            )
        }
        "RegexPatternSetReferenceStatement" => {
            let arn = body.get_str("ARN").unwrap_or_default();
            let Some(patterns) = cx.sets.regex.get(arn).cloned() else {
                cx.unmapped(
                    body,
                    path,
                    format!("regex pattern set {arn} was not given"),
                    "pass its export: `aws wafv2 get-regex-pattern-set … > set.json`, then `--set set.json`",
                );
                return None;
            };
            for (p, span) in &patterns {
                if let Err(e) = compile(p) {
                    let d = Diagnostic::warning(
                        codes::UNMAPPED,
                        format!(
                            "rule `{}` left out: a regex of pattern set {arn} does not compile here: {}",
                            cx.rule,
                            first_line(&e.to_string())
                        ),
                    )
                    .with_span(*span, "this pattern")
                    .with_secondary(body.span, format!("used at {path}"))
                    .with_help("this engine's regexes are linear-time (no look-around or backreferences); rewrite it without them");
                    cx.diags.push(d);
                    return None;
                }
            }
            let joined = patterns
                .iter()
                .map(|(p, _)| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            matcher(
                cx,
                body,
                path,
                vec![
                    ("type".into(), s("regex_match")),
                    ("pattern".into(), s(joined)),
                ],
            )
        }
        "SizeConstraintStatement" => {
            let op = match body.get_str("ComparisonOperator").unwrap_or("GT") {
                "EQ" => "eq",
                "NE" => "ne",
                "LE" => "le",
                "LT" => "lt",
                "GE" => "ge",
                _ => "gt",
            };
            let size = match body.get("Size").map(|n| &n.value) {
                Some(Value::Int(n)) if *n >= 0 => *n,
                _ => {
                    cx.unmapped(body, path, "no `Size`", "check the export");
                    return None;
                }
            };
            matcher(
                cx,
                body,
                path,
                vec![
                    ("type".into(), s("size_constraint")),
                    ("comparison".into(), s(op)),
                    ("size".into(), s(format!("{size}B"))),
                ],
            )
        }
        "SqliMatchStatement" | "XssMatchStatement" => detection(cx, kind, body, path),
        "GeoMatchStatement" => {
            if cx.options.geo_database.is_none() {
                cx.unmapped(
                    body,
                    path,
                    "a geo match needs a country database",
                    "pass `--geo-database FILE.mmdb` (a MaxMind country database)",
                );
                return None;
            }
            let countries: Vec<Y> = body
                .get("CountryCodes")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|c| c.as_str().map(s))
                .collect();
            if let Some(f) = body.get("ForwardedIPConfig") {
                forwarded_note(cx, f, &format!("{path}/ForwardedIPConfig"));
            }
            Some(vec![
                ("type".into(), s("geo")),
                ("countries".into(), Y::Seq(countries)),
            ])
        }
        "IPSetReferenceStatement" => {
            let arn = body.get_str("ARN").unwrap_or_default();
            let Some((name, addrs)) = cx.sets.ip.get(arn).cloned() else {
                cx.unmapped(
                    body,
                    path,
                    format!("IP set {arn} was not given"),
                    "pass its export: `aws wafv2 get-ip-set … > set.json`, then `--set set.json`",
                );
                return None;
            };
            if let Some(f) = body.get("IPSetForwardedIPConfig") {
                forwarded_note(cx, f, &format!("{path}/IPSetForwardedIPConfig"));
            }
            if !cx.used_ip_sets.iter().any(|(n, _)| *n == name) {
                cx.used_ip_sets.push((name.clone(), addrs));
            }
            Some(vec![
                ("type".into(), s("ip_set")),
                ("ip_set".into(), s(name)),
            ])
        }
        "RateBasedStatement" => rate_based(cx, body, path),
        "AndStatement" | "OrStatement" => {
            let items = body
                .get("Statements")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let mut nested = Vec::new();
            for (i, n) in items.iter().enumerate() {
                nested.push(Y::Map(statement(cx, n, &format!("{path}/Statements/{i}"))?));
            }
            let t = if kind == "AndStatement" { "and" } else { "or" };
            Some(vec![
                ("type".into(), s(t)),
                ("statements".into(), Y::Seq(nested)),
            ])
        }
        "NotStatement" => {
            let Some(inner) = body.get("Statement") else {
                cx.unmapped(body, path, "no `Statement`", "check the export");
                return None;
            };
            let nested = statement(cx, inner, &format!("{path}/Statement"))?;
            Some(vec![
                ("type".into(), s("not")),
                ("statement".into(), Y::Map(nested)),
            ])
        }
        "ManagedRuleGroupStatement" => {
            cx.unmapped(
                body,
                path,
                "a managed rule group nested in another statement",
                "make the group a rule of its own",
            );
            None
        }
        "LabelMatchStatement" => {
            cx.unmapped(
                body,
                path,
                "labels are not supported",
                "match on the request itself instead",
            );
            None
        }
        "RuleGroupReferenceStatement" => {
            cx.unmapped(
                body,
                path,
                "a rule group of your own is a separate AWS resource",
                "import its rules as rules of this ACL (`aws wafv2 get-rule-group` shows them)",
            );
            None
        }
        "AsnMatchStatement" => {
            cx.unmapped(
                body,
                path,
                "autonomous-system matching is not supported",
                "list the networks' CIDRs in an IP set",
            );
            None
        }
        other => {
            cx.unmapped(
                body,
                path,
                format!("`{other}` is not a statement this engine has"),
                "see `gwc waf import --help` for the statements it maps",
            );
            None
        }
    }
}

/// Compiles a pattern as the runtime does (bytes, the same size limit), so what imports
/// also starts.
fn compile(pattern: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(1 << 22)
        .build()
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_owned()
}

fn forwarded_note(cx: &mut Cx<'_>, node: &Node, path: &str) {
    let header = node.get_str("HeaderName").unwrap_or("X-Forwarded-For");
    cx.approximate(
        node,
        path,
        format!(
            "the client address is read from `{header}` only when the peer is in `x-gateway.waf.trusted_proxies` (set them), and from `X-Forwarded-For`/`Forwarded` whatever `HeaderName` says"
        ),
    );
}

fn byte_match(cx: &mut Cx<'_>, body: &Node, path: &str) -> Option<Fields> {
    let Some(raw) = body.get("SearchString") else {
        cx.unmapped(body, path, "no `SearchString`", "check the export");
        return None;
    };
    let text = raw.as_str().unwrap_or_default();
    let value = match (!cx.options.raw_search_strings)
        .then(|| base64_text(text))
        .flatten()
    {
        Some(decoded) => {
            let d = Diagnostic::note(
                codes::APPROXIMATE,
                format!(
                    "rule `{}`: SearchString `{text}` read as base64 (the AWS CLI prints blobs so): `{decoded}`",
                    cx.rule
                ),
            )
            .with_span(raw.span, format!("at {path}/SearchString"))
            .with_help("pass `--raw-search-strings` if the ACL has its search strings in clear");
            cx.diags.push(d);
            decoded
        }
        None => text.to_owned(),
    };
    let positional = match body.get_str("PositionalConstraint").unwrap_or("CONTAINS") {
        "EXACTLY" => "exactly",
        "STARTS_WITH" => "starts_with",
        "ENDS_WITH" => "ends_with",
        "CONTAINS_WORD" => "contains_word",
        _ => "contains",
    };
    matcher(
        cx,
        body,
        path,
        vec![
            ("type".into(), s("byte_match")),
            ("positional".into(), s(positional)),
            ("value".into(), s(value)),
        ],
    )
}

/// Strict, padded standard base64 decoding to printable UTF-8, else `None`.
fn base64_text(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for (i, chunk) in b.chunks(4).enumerate() {
        let last = i == b.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    let s = String::from_utf8(out).ok()?;
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .then_some(s)
}

/// A field test: `FieldToMatch` and `TextTransformations` added to `head`; several fields
/// (AWS's included headers or JSON paths) become an `or` of one test per field.
fn matcher(cx: &mut Cx<'_>, body: &Node, path: &str, head: Fields) -> Option<Fields> {
    let Some(ftm) = body.get("FieldToMatch") else {
        cx.unmapped(body, path, "no `FieldToMatch`", "check the export");
        return None;
    };
    let (fields, oversize) = field(cx, ftm, &format!("{path}/FieldToMatch"))?;
    let transforms = transformations(cx, body, path);
    let one = |mut m: Fields, f: &str| {
        m.insert(1, ("field".into(), s(f)));
        if !transforms.is_empty() {
            m.push(("transformations".into(), Y::Seq(transforms.clone())));
        }
        if let Some(o) = oversize {
            m.push(("oversize".into(), s(o)));
        }
        m
    };
    if let [f] = fields.as_slice() {
        return Some(one(head, f));
    }
    Some(vec![
        ("type".into(), s("or")),
        (
            "statements".into(),
            Y::Seq(
                fields
                    .iter()
                    .map(|f| Y::Map(one(head.clone(), f)))
                    .collect(),
            ),
        ),
    ])
}

/// `FieldToMatch` → our field names (one, or several to be or-ed) and the oversize handling.
fn field(cx: &mut Cx<'_>, ftm: &Node, path: &str) -> Option<(Vec<String>, Option<&'static str>)> {
    let Some(entry) = ftm.as_map().and_then(|m| m.first()) else {
        cx.unmapped(ftm, path, "an empty `FieldToMatch`", "check the export");
        return None;
    };
    let (kind, v) = (entry.key.as_str(), &entry.value);
    let sub = format!("{path}/{kind}");
    let oversize = match v.get_str("OversizeHandling") {
        Some("MATCH") => Some("match"),
        Some("NO_MATCH") => Some("no_match"),
        _ => None,
    };
    let scope_key = v.get_str("MatchScope").unwrap_or("VALUE");
    if scope_key == "KEY" {
        cx.unmapped(
            v,
            &sub,
            "`MatchScope: KEY` (names only) is not supported",
            "match on values, or on `headers`/`query_args` as a whole",
        );
        return None;
    }
    let pattern = v.get("MatchPattern");
    let fields = match kind {
        "Method" => vec!["method".to_owned()],
        "UriPath" => vec!["path".to_owned()],
        "QueryString" => vec!["query_string".to_owned()],
        "AllQueryArguments" => vec!["query_args".to_owned()],
        "Body" => vec!["body".to_owned()],
        "SingleQueryArgument" => {
            let name = v.get_str("Name").unwrap_or_default();
            cx.approximate(
                v,
                &sub,
                "the query argument's name is compared exactly (AWS ignores its case)",
            );
            vec![format!("query_arg:{name}")]
        }
        "SingleHeader" => vec![format!(
            "header:{}",
            v.get_str("Name").unwrap_or_default().to_ascii_lowercase()
        )],
        "Headers" => match pattern
            .and_then(|p| p.get("IncludedHeaders"))
            .and_then(Node::as_seq)
        {
            Some(names) => names
                .iter()
                .filter_map(|n| {
                    n.as_str()
                        .map(|n| format!("header:{}", n.to_ascii_lowercase()))
                })
                .collect(),
            None => {
                if pattern.is_some_and(|p| p.get("ExcludedHeaders").is_some()) {
                    cx.approximate(
                        v,
                        &sub,
                        "`ExcludedHeaders` are inspected too (every header is)",
                    );
                }
                if scope_key == "ALL" {
                    cx.approximate(v, &sub, "header names are not inspected, only values");
                }
                vec!["headers".to_owned()]
            }
        },
        "Cookies" => {
            if pattern.is_some_and(|p| p.get("All").is_none()) {
                cx.approximate(
                    v,
                    &sub,
                    "the whole `Cookie` header is inspected, not only the named cookies",
                );
            }
            vec!["cookies".to_owned()]
        }
        "JsonBody" => {
            if let Some(b) = v.get("InvalidFallbackBehavior") {
                cx.approximate(
                    b,
                    &format!("{sub}/InvalidFallbackBehavior"),
                    "a body that is not JSON does not match (AWS's fallback is not applied)",
                );
            }
            match pattern
                .and_then(|p| p.get("IncludedPaths"))
                .and_then(Node::as_seq)
            {
                Some(paths) => paths
                    .iter()
                    .filter_map(|p| p.as_str().map(|p| format!("json_body:{p}")))
                    .collect(),
                None => {
                    if scope_key == "VALUE" {
                        cx.approximate(v, &sub, "member names are inspected as well as values");
                    }
                    vec!["json_body".to_owned()]
                }
            }
        }
        other => {
            cx.unmapped(
                v,
                &sub,
                format!("the request field `{other}` is not available here"),
                "match on method, path, query, headers, cookies or body",
            );
            return None;
        }
    };
    if fields.is_empty() {
        cx.unmapped(v, &sub, "no field named", "check the export");
        return None;
    }
    Some((fields, oversize))
}

/// `TextTransformations` in priority order; ones this engine lacks are reported and dropped.
fn transformations(cx: &mut Cx<'_>, body: &Node, path: &str) -> Vec<Y> {
    let mut items: Vec<(i64, &Node, usize)> = body
        .get("TextTransformations")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = match t.get("Priority").map(|p| &p.value) {
                Some(Value::Int(p)) => *p,
                _ => 0,
            };
            (p, t, i)
        })
        .collect();
    items.sort_by_key(|(p, _, _)| *p);
    let mut out = Vec::new();
    for (_, t, i) in items {
        let kind = t.get_str("Type").unwrap_or("NONE");
        let ours = match kind {
            "NONE" => continue,
            "URL_DECODE" => "url_decode",
            "HTML_ENTITY_DECODE" => "html_entity_decode",
            "LOWERCASE" => "lowercase",
            "COMPRESS_WHITE_SPACE" => "compress_whitespace",
            "BASE64_DECODE" => "base64_decode",
            "JS_DECODE" => "js_decode",
            "CSS_DECODE" => "css_decode",
            "URL_DECODE_UNI" | "BASE64_DECODE_EXT" => {
                cx.approximate(
                    t,
                    &format!("{path}/TextTransformations/{i}"),
                    format!(
                        "`{kind}` is applied as its plain form (`{}`)",
                        &kind[..kind.rfind('_').unwrap_or(kind.len())]
                    ),
                );
                if kind == "URL_DECODE_UNI" {
                    "url_decode"
                } else {
                    "base64_decode"
                }
            }
            other => {
                cx.approximate(
                    t,
                    &format!("{path}/TextTransformations/{i}"),
                    format!("the transformation `{other}` is not available and is skipped, so the rule may match less"),
                );
                continue;
            }
        };
        out.push(s(ours));
    }
    out
}

/// `SqliMatchStatement`/`XssMatchStatement` → `sqli`/`xss` with a scope.
fn detection(cx: &mut Cx<'_>, kind: &str, body: &Node, path: &str) -> Option<Fields> {
    let Some(ftm) = body.get("FieldToMatch") else {
        cx.unmapped(body, path, "no `FieldToMatch`", "check the export");
        return None;
    };
    let fpath = format!("{path}/FieldToMatch");
    let Some(entry) = ftm.as_map().and_then(|m| m.first()) else {
        cx.unmapped(ftm, &fpath, "an empty `FieldToMatch`", "check the export");
        return None;
    };
    let part = match entry.key.as_str() {
        "UriPath" => "path",
        "QueryString" | "AllQueryArguments" => "query",
        "SingleQueryArgument" => {
            cx.approximate(
                &entry.value,
                &fpath,
                "every query argument is inspected, not only this one",
            );
            "query"
        }
        "SingleHeader" => {
            cx.approximate(
                &entry.value,
                &fpath,
                "every header is inspected, not only this one",
            );
            "headers"
        }
        "Headers" => "headers",
        "Cookies" => "cookies",
        "Body" | "JsonBody" => "body",
        other => {
            cx.unmapped(
                &entry.value,
                &fpath,
                format!("detection on `{other}` is not available"),
                "inspect the path, query, headers, cookies or body",
            );
            return None;
        }
    };
    if body
        .get("TextTransformations")
        .and_then(Node::as_seq)
        .is_some_and(|t| t.iter().any(|t| t.get_str("Type") != Some("NONE")))
    {
        let d = Diagnostic::note(
            codes::APPROXIMATE,
            format!(
                "rule `{}`: the detector decodes what it inspects itself (URL, entities, escapes, case), so `TextTransformations` are not needed and not applied",
                cx.rule
            ),
        )
        .with_span(body.span, format!("at {path}"));
        cx.diags.push(d);
    }
    let mut f: Fields = vec![
        (
            "type".into(),
            s(if kind == "SqliMatchStatement" {
                "sqli"
            } else {
                "xss"
            }),
        ),
        ("scope".into(), Y::Seq(vec![s(part)])),
    ];
    match entry.value.get_str("OversizeHandling") {
        Some("MATCH") => f.push(("oversize".into(), s("match"))),
        Some("NO_MATCH") => f.push(("oversize".into(), s("no_match"))),
        _ => {}
    }
    match body.get_str("SensitivityLevel") {
        None | Some("LOW") => {}
        Some("HIGH") if kind == "SqliMatchStatement" => {
            f.push(("sensitivity".into(), s("high")));
        }
        Some(other) => {
            cx.unmapped(
                body,
                path,
                format!("`SensitivityLevel: {other}`"),
                "AWS WAF accepts `LOW` or `HIGH`, on `SqliMatchStatement` only",
            );
            return None;
        }
    }
    Some(f)
}

fn rate_based(cx: &mut Cx<'_>, body: &Node, path: &str) -> Option<Fields> {
    let limit = match body.get("Limit").map(|n| &n.value) {
        Some(Value::Int(n)) if *n >= 0 => *n,
        _ => {
            cx.unmapped(body, path, "no `Limit`", "check the export");
            return None;
        }
    };
    let window = match body.get("EvaluationWindowSec").map(|n| &n.value) {
        Some(Value::Int(n)) if *n > 0 => *n,
        _ => 300,
    };
    let key = match body.get_str("AggregateKeyType").unwrap_or("IP") {
        "IP" => "ip".to_owned(),
        "FORWARDED_IP" => {
            if let Some(f) = body.get("ForwardedIPConfig") {
                forwarded_note(cx, f, &format!("{path}/ForwardedIPConfig"));
            }
            "forwarded_ip".to_owned()
        }
        "CUSTOM_KEYS" => {
            let keys = body
                .get("CustomKeys")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let kpath = format!("{path}/CustomKeys");
            let [only] = keys else {
                cx.unmapped(
                    body,
                    &kpath,
                    "a rate key made of several parts is not supported",
                    "count per IP, per API key or per one header",
                );
                return None;
            };
            if only.get("IP").is_some() {
                "ip".to_owned()
            } else if only.get("ForwardedIP").is_some() {
                "forwarded_ip".to_owned()
            } else if let Some(h) = only.get("Header") {
                let name = h.get_str("Name").unwrap_or_default().to_ascii_lowercase();
                if h.get("TextTransformations")
                    .and_then(Node::as_seq)
                    .is_some_and(|t| t.iter().any(|t| t.get_str("Type") != Some("NONE")))
                {
                    cx.approximate(
                        h,
                        &format!("{kpath}/0/Header"),
                        "the header is counted as sent, without transformations",
                    );
                }
                if name == "x-api-key" {
                    "api_key".to_owned()
                } else {
                    format!("header:{name}")
                }
            } else {
                let what = only
                    .as_map()
                    .and_then(|m| m.first())
                    .map_or("?", |e| e.key.as_str());
                cx.unmapped(
                    only,
                    &format!("{kpath}/0"),
                    format!("a rate key on `{what}` is not supported"),
                    "count per IP, per API key or per one header",
                );
                return None;
            }
        }
        other => {
            cx.unmapped(
                body,
                &format!("{path}/AggregateKeyType"),
                format!("rate key type `{other}` is not supported"),
                "count per IP, per API key or per one header",
            );
            return None;
        }
    };
    let rate: Fields = vec![
        ("type".into(), s("rate_based")),
        ("limit".into(), Y::Int(limit)),
        ("window".into(), s(format!("{window}s"))),
        ("key".into(), s(key)),
    ];
    match body.get("ScopeDownStatement") {
        Some(scope) => {
            let nested = statement(cx, scope, &format!("{path}/ScopeDownStatement"))?;
            cx.approximate(
                scope,
                &format!("{path}/ScopeDownStatement"),
                "every request is counted, not only those in the scope-down statement (the rule still acts only on those)",
            );
            Some(vec![
                ("type".into(), s("and")),
                (
                    "statements".into(),
                    Y::Seq(vec![Y::Map(nested), Y::Map(rate)]),
                ),
            ])
        }
        None => Some(rate),
    }
}

/// AWS managed groups this engine has, and the AWS rule names of each that ours cover.
const GROUPS: &[(&str, &str)] = &[
    ("AWSManagedRulesCommonRuleSet", "core"),
    ("AWSManagedRulesSQLiRuleSet", "sql_database"),
    ("AWSManagedRulesKnownBadInputsRuleSet", "known_bad_inputs"),
    ("AWSManagedRulesAmazonIpReputationList", "ip_reputation"),
];

/// Our rule for an AWS managed rule name, and whether ours is broader (covers more request
/// parts than the AWS rule, which is one part of it).
fn our_rule(group: &str, aws: &str) -> Option<(&'static str, bool)> {
    let ours = gwc_ir::managed_group_rules(group)?;
    if let Some(r) = ours.iter().find(|r| **r == aws) {
        return Some((r, false));
    }
    let base = if group == "ip_reputation" {
        "IpReputationList"
    } else {
        let aws = aws.replace("SQLiExtendedPatterns_", "SQLi_");
        if let Some(r) = ours.iter().find(|r| **r == aws) {
            return Some((r, true));
        }
        let (base, _) = aws.rsplit_once('_')?;
        return ours.iter().find(|r| **r == base).map(|r| (*r, true));
    };
    ours.iter().find(|r| **r == base).map(|r| (*r, true))
}

fn managed(cx: &mut Cx<'_>, m: &Node, path: &str) -> Option<Fields> {
    let vendor = m.get_str("VendorName").unwrap_or_default();
    let name = m.get_str("Name").unwrap_or_default();
    let Some((_, group)) = GROUPS
        .iter()
        .find(|(aws, _)| vendor == "AWS" && *aws == name)
    else {
        let ours: Vec<&str> = GROUPS.iter().map(|(a, _)| *a).collect();
        cx.unmapped(
            m,
            path,
            format!("managed rule group {vendor}/{name} is not built in"),
            &format!("the built-in groups are AWS's {}", ours.join(", ")),
        );
        return None;
    };
    let mut fields: Fields = vec![("type".into(), s("managed")), ("group".into(), s(*group))];
    if *group == "ip_reputation" {
        if cx.options.ip_reputation_lists.is_empty() {
            cx.unmapped(
                m,
                path,
                "Amazon's IP reputation list is not public; this group reads CIDR list files",
                "pass `--ip-reputation-list FILE` (CIDRs, one per line)",
            );
            return None;
        }
        let lists = cx
            .options
            .ip_reputation_lists
            .iter()
            .map(|l| s(l.clone()))
            .collect();
        fields.push(("lists".into(), Y::Seq(lists)));
        cx.approximate(
            m,
            path,
            "the reputation list is the one given, not Amazon's",
        );
    }
    if let Some(scope) = m.get("ScopeDownStatement") {
        cx.approximate(
            scope,
            &format!("{path}/ScopeDownStatement"),
            "the group inspects every request (scope-down statements are not supported on groups)",
        );
    }
    if let Some(cfg) = m.get("ManagedRuleGroupConfigs") {
        cx.approximate(
            cfg,
            &format!("{path}/ManagedRuleGroupConfigs"),
            "the group's configuration is ignored",
        );
    }
    let mut overrides: Vec<(String, Y)> = Vec::new();
    let mut set = |cx: &mut Cx<'_>, node: &Node, p: &str, aws: &str, action: &'static str| {
        let Some((ours, broader)) = our_rule(group, aws) else {
            cx.approximate(
                node,
                p,
                format!("`{aws}` has no counterpart in the built-in `{group}` group; its override is dropped"),
            );
            return;
        };
        if broader {
            cx.approximate(
                node,
                p,
                format!("`{aws}` is part of the built-in rule `{ours}`, which covers every request part: the override applies to all of `{ours}`"),
            );
        }
        match overrides.iter_mut().find(|(k, _)| k == ours) {
            // `off` wins over `count`: the more permissive override of the merged AWS rules.
            Some((_, v)) => {
                if action == "off" {
                    *v = s("off");
                }
            }
            None => overrides.push((ours.to_owned(), s(action))),
        }
    };
    for (i, e) in m
        .get("ExcludedRules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(n) = e.get_str("Name") {
            set(cx, e, &format!("{path}/ExcludedRules/{i}"), n, "count");
        }
    }
    for (i, o) in m
        .get("RuleActionOverrides")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = format!("{path}/RuleActionOverrides/{i}");
        let Some(n) = o.get_str("Name") else { continue };
        let Some(a) = o
            .get("ActionToUse")
            .and_then(|a| a.as_map())
            .and_then(|m| m.first())
        else {
            continue;
        };
        match a.key.as_str() {
            "Count" => set(cx, o, &p, n, "count"),
            "Block" => {}
            "Captcha" | "Challenge" => {
                cx.approximate(
                    o,
                    &p,
                    format!("`{n}` set to {}: it only counts here", a.key),
                );
                set(cx, o, &p, n, "count");
            }
            other => {
                cx.approximate(
                    o,
                    &p,
                    format!("`{n}` set to {other}: a built-in rule cannot allow; it is turned off"),
                );
                set(cx, o, &p, n, "off");
            }
        }
    }
    if !overrides.is_empty() {
        fields.push(("overrides".into(), Y::Map(overrides)));
    }
    Some(fields)
}

/// Writes a mapping in block style at `indent` spaces.
fn write_map(out: &mut String, map: &[(String, Y)], indent: usize) {
    for (k, v) in map {
        let _ = write!(out, "{:indent$}{}:", "", key(k));
        write_value(out, v, indent);
    }
}

fn write_value(out: &mut String, v: &Y, indent: usize) {
    match v {
        Y::Str(t) => {
            let _ = writeln!(out, " {}", quote(t));
        }
        Y::Int(n) => {
            let _ = writeln!(out, " {n}");
        }
        Y::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Y::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        Y::Seq(items) if items.iter().all(|i| matches!(i, Y::Str(_) | Y::Int(_))) => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Y::Str(t) => quote(t),
                    Y::Int(n) => n.to_string(),
                    _ => String::new(),
                })
                .collect();
            let _ = writeln!(out, " [{}]", inner.join(", "));
        }
        Y::Seq(items) => {
            out.push('\n');
            for item in items {
                let _ = write!(out, "{:indent$}-", "", indent = indent + 2);
                match item {
                    Y::Map(m) if !m.is_empty() => {
                        // The first key on the dash's line, the rest under it.
                        let (k, v) = &m[0];
                        let _ = write!(out, " {}:", key(k));
                        write_value(out, v, indent + 4);
                        write_map(out, &m[1..], indent + 4);
                    }
                    other => write_value(out, other, indent + 2),
                }
            }
        }
        Y::Map(m) => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
    }
}

/// A key plain when it is a simple name, else quoted.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !k.starts_with('-')
    {
        k.to_owned()
    } else {
        quote(k)
    }
}

/// A string plain when it is a simple word YAML cannot read as anything else, else in
/// JSON's quoted form (valid YAML 1.2).
fn quote(t: &str) -> String {
    const RESERVED: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let plain = t.starts_with(|c: char| c.is_ascii_alphabetic())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(t));
    if plain {
        return t.to_owned();
    }
    serde_json::to_string(t).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests;
