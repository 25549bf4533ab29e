//! One file (or directory) per resource, each holding its actions' wire types and handlers;
//! `crate::operations` registers them.

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
pub mod peering;
pub mod peering_groups;
pub mod prefix_list;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod tags;
pub mod volume;
pub mod vpc;
