//! The pure core of localvpc: EC2's resources, identifiers, CIDR maths, rules, filters and error
//! catalogue. Nothing here does IO, so every rule can be unit- and property-tested.

pub mod cidr;
pub mod dhcp_options;
pub mod elastic_ip;
pub mod error;
pub mod filter;
pub mod id;
pub mod page;
pub mod region;
pub mod tags;

pub use error::{Ec2Error, ErrorCode};
pub use filter::Filter;
pub use id::IdKind;
pub use tags::Tag;

pub mod egress_only_internet_gateway;
pub mod internet_gateway;
pub mod ipv6;
pub mod network_acl;
pub mod quota;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod vpc;
pub use quota::{Quota, Quotas};
pub mod address;
pub mod image;
pub mod instance;
pub mod instance_type;
pub mod instance_type_info;
pub mod key_pair;
pub mod launch_template;
pub mod nat_gateway;
pub mod network_insights;
pub mod network_interface;
pub mod peering;
pub mod prefix;
pub mod prefix_list;
pub mod public_ip;
pub mod volume;
pub mod vpc_endpoint;
