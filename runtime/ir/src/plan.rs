//! Usage plans and API keys: the API-wide table of per-key throttles and quotas.

use serde::{Deserialize, Serialize};

use crate::{RouteId, Secret, Str, Throttle};

/// Where a request's API key is read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeySource {
    /// The `x-api-key` header.
    #[default]
    Header,
    /// The usage identifier a custom authorizer returns.
    Authorizer,
}

/// A usage plan: limits per API key, and the keys it admits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    /// Name from the spec, for logs and metrics.
    pub name: Str,
    /// Token bucket per key.
    pub throttle: Option<Throttle>,
    /// Requests per key per period.
    pub quota: Option<Quota>,
    /// Per-route throttles of this plan.
    pub route_throttles: Vec<RouteThrottle>,
    /// Keys admitted.
    pub api_keys: Vec<ApiKey>,
}

/// A plan's throttle for one route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteThrottle {
    /// The route.
    pub route: RouteId,
    /// Its bucket under this plan.
    pub throttle: Throttle,
}

/// A request quota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Requests allowed per period.
    pub limit: u64,
    /// Period length.
    pub period: QuotaPeriod,
    /// Days the period start is shifted by (into the week or month).
    pub offset: u32,
}

/// Quota period (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    /// A day.
    #[default]
    Day,
    /// A week.
    Week,
    /// A calendar month.
    Month,
}

/// An API key of a plan. Its value is a [`Secret`] reference, never a literal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Name for logs and metrics (never the key).
    pub name: Str,
    /// Where the key's value is.
    pub value: Secret,
    /// A disabled key is refused.
    pub enabled: bool,
}
