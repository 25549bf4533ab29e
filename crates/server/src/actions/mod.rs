//! One file per resource, each holding its actions' wire types and handlers and registering
//! them with [`actions!`]. `lookup` asks each in turn.

use crate::dispatch::Handler;

/// Declares a resource module's action table: `actions! { "CreateVpc" => create_vpc, … }`.
macro_rules! actions {
    ($($name:literal => $handler:path),* $(,)?) => {
        /// The handler of one of this module's actions.
        pub fn lookup(action: &str) -> Option<crate::dispatch::Handler> {
            match action {
                $($name => Some(|ctx, input| crate::dispatch::typed(ctx, input, $handler)),)*
                _ => None,
            }
        }
    };
}

pub mod account;
pub mod address_attribute;
pub mod dhcp_options;
pub mod elastic_ip;
pub mod image;
pub mod instance;
pub mod instance_type;
pub mod internet_gateway;
pub mod ipv6;
pub mod key_pair;
pub mod launch_template;
pub mod nat_gateway;
pub mod network_acl;
pub mod network_insights;
pub mod network_interface;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod tags;
pub mod vpc;

/// The handler of an action localvpc implements.
pub fn lookup(action: &str) -> Option<Handler> {
    [
        vpc::lookup,
        subnet::lookup,
        internet_gateway::lookup,
        nat_gateway::lookup,
        route_table::lookup,
        security_group::lookup,
        network_acl::lookup,
        network_interface::lookup,
        ipv6::lookup,
        network_insights::lookup,
        instance::lookup,
        elastic_ip::lookup,
        address_attribute::lookup,
        tags::lookup,
        key_pair::lookup,
        dhcp_options::lookup,
        launch_template::lookup,
        image::lookup,
        instance_type::lookup,
        account::lookup,
    ]
    .into_iter()
    .find_map(|module| module(action))
}
