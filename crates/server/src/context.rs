//! What a handler gets: the open transaction, who is calling and where, and the configuration.

use localvpc_model::Quotas;
use localvpc_model::region::Region;
use localvpc_store::{Owner, Tx};

/// Server-wide settings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub quotas: Quotas,
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
