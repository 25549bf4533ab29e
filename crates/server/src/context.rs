//! What a handler gets: the open transaction, who is calling and where, and the configuration.

use localvpc_model::Quotas;
use localvpc_model::region::Region;
use localvpc_store::{Owner, Tx};

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub quotas: Quotas,
    /// Where public IPv4 addresses come from (default: 198.51.100.0/24 and 203.0.113.0/24).
    pub public_ip_pool: Vec<ipnet::Ipv4Net>,
    /// How long an analysis shows `running` before its outcome (`--analysis-delay-ms`).
    pub analysis_delay_ms: u64,
    /// Where Amazon-provided IPv6 /56 blocks come from (default: 2001:db8::/32).
    pub ipv6_pool: ipnet::Ipv6Net,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            quotas: Quotas::default(),
            public_ip_pool: localvpc_model::public_ip::default_pool(),
            analysis_delay_ms: 0,
            ipv6_pool: localvpc_model::ipv6::default_pool(),
        }
    }
}

pub struct Ctx<'t, 'c> {
    pub tx: &'t mut Tx<'c>,
    pub account: &'t str,
    pub region: &'static Region,
    pub config: &'t Config,
    /// The request's timestamp, formatted as EC2 does (`2013-11-30T23:36:42.000Z`).
    pub now: String,
}

impl Ctx<'_, '_> {
    pub fn owner(&self) -> Owner<'_> {
        Owner {
            account: self.account,
            region: self.region.name,
        }
    }
}
