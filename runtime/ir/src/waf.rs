//! WAF rule sets: the API-wide table of firewall rules (the API-wide set runs for every
//! request, matched or not; a route's own set after matching).

use serde::{Deserialize, Serialize};

use crate::{Millis, Str};

/// An ordered list of rules; the first `allow` or `block` decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafRuleSet {
    /// Name for logs and metrics (`api` for the API-wide set, else the route id).
    pub name: Str,
    /// Decision when no rule decided.
    pub default_action: WafAction,
    /// Rules in evaluation order.
    pub rules: Vec<WafRule>,
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafRule {
    /// Name in metrics and logs.
    pub name: Str,
    /// What it does on a match.
    pub action: WafAction,
    /// What it matches.
    pub condition: WafCondition,
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafAction {
    /// Let the request through and stop evaluating.
    #[default]
    Allow,
    /// Refuse it (`WAF_FILTERED`).
    Block,
    /// Count the match and go on.
    Count,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WafCondition {
    /// Client address in one of these CIDRs.
    IpSet {
        /// CIDRs, as written.
        cidrs: Vec<Str>,
        /// Use `X-Forwarded-For`'s first address.
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
    },
    /// Cross-site scripting in the inspected parts.
    Xss {
        /// Parts inspected.
        parts: Vec<InspectedPart>,
    },
}

impl Default for WafCondition {
    fn default() -> Self {
        WafCondition::Sqli { parts: Vec::new() }
    }
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
