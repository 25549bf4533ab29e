//! One file per resource, each holding its actions' wire types and handlers. This table maps
//! EC2 action names to them.

use crate::dispatch::{Handler, typed};

pub mod vpc;

macro_rules! actions {
    ($($name:literal => $handler:path,)*) => {
        /// The handler of an action localvpc implements.
        pub fn lookup(action: &str) -> Option<Handler> {
            match action {
                $($name => Some(|ctx, input| typed(ctx, input, $handler)),)*
                _ => None,
            }
        }

        /// Every action localvpc implements.
        pub const IMPLEMENTED: &[&str] = &[$($name),*];
    };
}

actions! {
    "CreateVpc" => vpc::create_vpc,
    "DescribeVpcs" => vpc::describe_vpcs,
    "DeleteVpc" => vpc::delete_vpc,
    "ModifyVpcAttribute" => vpc::modify_vpc_attribute,
    "DescribeVpcAttribute" => vpc::describe_vpc_attribute,
    "AssociateVpcCidrBlock" => vpc::associate_vpc_cidr_block,
    "DisassociateVpcCidrBlock" => vpc::disassociate_vpc_cidr_block,
}
