//! Borrowed, typed resource IDs for the arguments of [`crate::Tx`] methods that take IDs of
//! several kinds, so a call cannot swap them: `tx.add_private_ip(EniId(&eni.id),
//! SubnetId(&subnet.id), …)`.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'a>(pub &'a str);

        impl crate::sql::Param for $name<'_> {
            fn value(&self) -> crate::sql::Value<'_> {
                crate::sql::Value::Text(self.0)
            }
        }
    )*};
}

ids! {
    /// `vpc-…`
    VpcId,
    /// `subnet-…`
    SubnetId,
    /// `eni-…`
    EniId,
    /// `dopt-…`
    DhcpOptionsId,
    /// `rtb-…`
    RouteTableId,
    /// `acl-…`
    NetworkAclId,
    /// `rtbassoc-…` or `aclassoc-…`
    AssociationId,
}
