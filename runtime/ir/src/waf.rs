//! WAF rule sets: the API-wide table of firewall rules (the API-wide set runs for every
//! request, matched or not; a route's own set after matching).
//!
//! The shape follows AWS WAF's web ACLs: rules in priority order (lowering sorts them, so the
//! IR holds them in evaluation order), each with an action and one statement; statements nest
//! with `and`/`or`/`not`; byte, regex and size matches read one request field through a chain
//! of text transformations. Managed rule groups are named here ([`MANAGED_GROUPS`]) and defined
//! by the runtime, so a generated gateway carries the group's name, not its rules.

use serde::{Deserialize, Serialize};

use crate::{ByteSize, HeaderPair, Millis, Str};

/// An ordered list of rules; the first `allow` or `block` decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafRuleSet {
    /// Name for logs and metrics (`api` for the API-wide set, else the route id).
    pub name: Str,
    /// Decision when no rule decided.
    pub default_action: WafAction,
    /// Rules in evaluation order.
    pub rules: Vec<WafRule>,
    /// How requests are inspected (body limit, client address, GeoIP database).
    #[serde(default)]
    pub inspection: WafInspection,
}

/// Settings every rule of a set shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafInspection {
    /// How much of a body rules inspect; the rest is governed by each rule's [`Oversize`].
    pub body_limit: ByteSize,
    /// CIDRs of proxies whose `X-Forwarded-For`/`Forwarded` is believed. Empty: the client
    /// address is always the connection's.
    pub trusted_proxies: Vec<Str>,
    /// MaxMind country database for `geo` rules (path, read at start-up).
    pub geo_database: Option<Str>,
}

impl Default for WafInspection {
    fn default() -> Self {
        WafInspection {
            body_limit: ByteSize(16 << 10),
            trusted_proxies: Vec::new(),
            geo_database: None,
        }
    }
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafRule {
    /// Name in metrics and logs.
    pub name: Str,
    /// What it does on a match (for a managed group: `count` overrides every rule in it to
    /// count; any other action keeps each rule's own).
    pub action: WafAction,
    /// What it matches.
    pub condition: WafCondition,
    /// The answer of a `block` (default: the `WAF_FILTERED` gateway response).
    #[serde(default)]
    pub response: Option<WafResponse>,
    /// What a body larger than the inspection limit means for this rule.
    #[serde(default)]
    pub oversize: Oversize,
}

/// A custom block response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafResponse {
    /// Status code.
    pub status: u16,
    /// Headers added.
    pub headers: Vec<HeaderPair>,
    /// Body.
    pub body: Str,
}

/// What a rule does with a body over the inspection limit (AWS's oversize handling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oversize {
    /// Inspect the first `body_limit` bytes only.
    #[default]
    Continue,
    /// The rule matches.
    Match,
    /// The rule does not match.
    NoMatch,
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafAction {
    /// Let the request through and stop evaluating.
    #[default]
    Allow,
    /// Refuse it (`WAF_FILTERED`, or the rule's response).
    Block,
    /// Count the match and go on.
    Count,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WafCondition {
    /// Client address in one of these CIDRs (inline, or one per line in the files, read at
    /// start-up).
    IpSet {
        /// CIDRs (or single addresses), as written.
        cidrs: Vec<Str>,
        /// Files of CIDRs, one per line, `#` comments.
        files: Vec<Str>,
        /// Use the forwarded client address (through trusted proxies) rather than the peer's.
        forwarded: bool,
    },
    /// Client country (ISO 3166-1 alpha-2) in (or, `negate`, not in) the list.
    Geo {
        /// Country codes.
        countries: Vec<Str>,
        /// Match every other country.
        negate: bool,
    },
    /// More than `limit` requests per `window` from one key (`ip`, `forwarded_ip`, `api_key`,
    /// `header:<name>`).
    RateBased {
        /// Requests allowed per window.
        limit: u64,
        /// Window length.
        window: Millis,
        /// What is counted.
        key: Str,
    },
    /// SQL injection in the inspected parts.
    Sqli {
        /// Parts inspected.
        parts: Vec<InspectedPart>,
        /// How eagerly it matches.
        #[serde(default)]
        sensitivity: SqliSensitivity,
    },
    /// Cross-site scripting in the inspected parts.
    Xss {
        /// Parts inspected.
        parts: Vec<InspectedPart>,
    },
    /// A byte, regex or size test on one field, after transformations.
    Match(WafMatch),
    /// Every statement matches.
    And {
        /// The statements.
        all: Vec<WafCondition>,
    },
    /// Some statement matches.
    Or {
        /// The statements.
        any: Vec<WafCondition>,
    },
    /// The statement does not match.
    Not {
        /// The statement.
        not: Box<WafCondition>,
    },
    /// A built-in rule group ([`MANAGED_GROUPS`]).
    Managed(ManagedGroup),
}

impl Default for WafCondition {
    fn default() -> Self {
        WafCondition::Sqli {
            parts: Vec::new(),
            sensitivity: SqliSensitivity::Low,
        }
    }
}

/// AWS WAF's `SensitivityLevel` of a SQL injection statement: `High` adds signatures that
/// catch more attacks and flag more benign text, so it is a per-rule choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliSensitivity {
    /// SQL by structure: a breakout followed by SQL syntax.
    #[default]
    Low,
    /// Also SQL fragments on their own.
    High,
}

/// A request part a detection rule inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectedPart {
    /// The URL path.
    Path,
    /// Query names and values.
    Query,
    /// Header values.
    Headers,
    /// Cookie values.
    Cookies,
    /// The body, up to the inspection limit.
    Body,
}

/// A test on one request field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafMatch {
    /// The field read.
    pub field: WafField,
    /// Transformations applied in order before the test.
    pub transforms: Vec<Transform>,
    /// The test.
    pub test: MatchTest,
}

/// A request field (AWS's `FieldToMatch`). Fields that hold several values (all query
/// arguments, all headers, a JSON body's strings) match when one value does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "in", content = "name", rename_all = "snake_case")]
pub enum WafField {
    /// The method.
    Method,
    /// The path, as sent (percent-encoded).
    #[default]
    Path,
    /// The query string, as sent.
    QueryString,
    /// The values of one query argument (name compared exactly).
    QueryArg(Str),
    /// Every query argument value.
    AllQueryArgs,
    /// One header's value(s) (name case-insensitive).
    Header(Str),
    /// Every header value.
    AllHeaders,
    /// The `Cookie` header(s).
    Cookies,
    /// The body, up to the inspection limit.
    Body,
    /// String values in a JSON body: all of them (empty pointer) or the one at this JSON
    /// pointer.
    JsonBody(Str),
}

/// A text transformation (AWS's `TextTransformation` types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// `%XX` and `+` decoded.
    UrlDecode,
    /// `&lt;`, `&#60;`, `&#x3c;` and the common named entities decoded.
    HtmlEntityDecode,
    /// ASCII lower case.
    Lowercase,
    /// Runs of whitespace become one space.
    CompressWhitespace,
    /// Base64 (standard or URL-safe alphabet) decoded; the input is kept if it is not base64.
    Base64Decode,
    /// JavaScript escapes (`\xHH`, `\uHHHH`, `\n`, …) decoded.
    JsDecode,
    /// CSS escapes (`\HH…`) decoded and backslashes before other characters dropped.
    CssDecode,
}

/// The test a [`WafMatch`] applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum MatchTest {
    /// The value equals this.
    Exactly(Str),
    /// The value starts with this.
    StartsWith(Str),
    /// The value ends with this.
    EndsWith(Str),
    /// The value contains this.
    Contains(Str),
    /// The value contains this as a word (bounded by non-alphanumerics or the ends).
    ContainsWord(Str),
    /// The value matches this regular expression (the `regex` crate's linear-time syntax).
    Regex(Str),
    /// The value's length in bytes (after transformations) compares so with the size.
    Size(SizeTest),
}

impl Default for MatchTest {
    fn default() -> Self {
        MatchTest::Contains(Str::Borrowed(""))
    }
}

/// A size comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeTest {
    /// How the length compares.
    pub op: Comparison,
    /// Bytes.
    pub size: u64,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    #[default]
    Gt,
    /// `>=`
    Ge,
}

impl Comparison {
    /// Applies the comparison: `left op right`.
    pub fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Ne => left != right,
            Comparison::Lt => left < right,
            Comparison::Le => left <= right,
            Comparison::Gt => left > right,
            Comparison::Ge => left >= right,
        }
    }
}

/// A built-in rule group with per-rule overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedGroup {
    /// The group's name ([`MANAGED_GROUPS`]).
    pub name: Str,
    /// Rules of the group overridden to `count` or turned off.
    pub overrides: Vec<RuleOverride>,
    /// For the IP-reputation group: files of CIDRs, one per line.
    pub lists: Vec<Str>,
}

/// One rule of a managed group, overridden.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOverride {
    /// The rule's name within the group.
    pub rule: Str,
    /// What it does instead.
    pub action: OverrideAction,
}

/// What an overridden managed rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideAction {
    /// Only count its matches.
    #[default]
    Count,
    /// Not evaluated.
    Off,
}

/// The built-in rule groups and the names of their rules (the runtime defines the rules; a
/// runtime test keeps the two in step).
pub const MANAGED_GROUPS: &[(&str, &[&str])] = &[
    (
        "core",
        &[
            "NoUserAgent_HEADER",
            "SizeRestrictions_QUERYSTRING",
            "SizeRestrictions_Cookie_HEADER",
            "SizeRestrictions_BODY",
            "SizeRestrictions_URIPATH",
            "EC2MetaDataSSRF",
            "GenericLFI",
            "RestrictedExtensions_URIPATH",
            "GenericRFI",
            "CrossSiteScripting",
        ],
    ),
    (
        "sql_database",
        &[
            "SQLi_QUERYARGUMENTS",
            "SQLi_BODY",
            "SQLi_COOKIE",
            "SQLi_URIPATH",
        ],
    ),
    (
        "known_bad_inputs",
        &[
            "JavaDeserializationRCE",
            "Host_localhost_HEADER",
            "PROPFIND_METHOD",
            "ExploitablePaths_URIPATH",
            "Log4JRCE",
        ],
    ),
    ("ip_reputation", &["IpReputationList"]),
];

/// The rule names of a managed group, if the group exists.
pub fn managed_group_rules(name: &str) -> Option<&'static [&'static str]> {
    MANAGED_GROUPS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, rules)| *rules)
}
