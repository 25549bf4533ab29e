//! Resource identifiers: `prefix-` + 17 lower-case hex digits, with legacy 8-digit IDs accepted
//! as input. Each kind knows the error codes EC2 uses for a malformed and an unknown ID.

use crate::error::{Ec2Error, ErrorCode};
use rand::RngExt;

/// Declares [`IdKind`] and its row of facts in [`KINDS`] together, so a kind cannot exist
/// without its prefix, codes, message and tag type.
macro_rules! resource_kinds {
    ($($kind:ident {
        prefix: $prefix:literal,
        not_found: $not_found:ident,
        malformed: $malformed:ident,
        message: $message:literal,
        tag_type: $tag_type:expr $(,)?
    },)*) => {
        /// Every kind of identifier localvpc hands out.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum IdKind { $($kind,)* }

        /// One row per kind, in [`IdKind`]'s order.
        pub const KINDS: &[Kind] = &[$(Kind {
            kind: IdKind::$kind,
            prefix: $prefix,
            not_found: ErrorCode::$not_found,
            malformed: ErrorCode::$malformed,
            not_found_message: $message,
            tag_type: $tag_type,
        },)*];
    };
}

/// What EC2 says about one kind of resource ID.
#[derive(Debug)]
pub struct Kind {
    pub kind: IdKind,
    /// `vpc` in `vpc-0123…`.
    pub prefix: &'static str,
    /// A well-formed ID that names nothing the caller owns.
    pub not_found: ErrorCode,
    /// An ID that is not `prefix-` and 8 or 17 hex digits.
    pub malformed: ErrorCode,
    /// The not-found message, `{id}` standing for the ID (where EC2 names it).
    pub not_found_message: &'static str,
    /// EC2's tag `ResourceType` (DescribeTags, `TagSpecification`); `None`: not taggable. A
    /// taggable kind's store lookup is `store::resource` (a test holds the two together).
    pub tag_type: Option<&'static str>,
}

resource_kinds! {
    Vpc {
        prefix: "vpc",
        not_found: InvalidVpcIdNotFound,
        malformed: InvalidVpcIdMalformed,
        message: "The vpc ID '{id}' does not exist",
        tag_type: Some("vpc"),
    },
    VpcCidrAssociation {
        prefix: "vpc-cidr-assoc",
        not_found: InvalidVpcCidrBlockAssociationIdNotFound,
        malformed: InvalidVpcCidrBlockAssociationIdMalformed,
        message: "The vpc cidr block association ID '{id}' does not exist",
        tag_type: None,
    },
    Subnet {
        prefix: "subnet",
        not_found: InvalidSubnetIdNotFound,
        malformed: InvalidSubnetIdMalformed,
        message: "The subnet ID '{id}' does not exist",
        tag_type: Some("subnet"),
    },
    SubnetCidrAssociation {
        prefix: "subnet-cidr-assoc",
        not_found: InvalidSubnetCidrBlockAssociationIdNotFound,
        malformed: InvalidSubnetCidrBlockAssociationIdMalformed,
        message: "The subnet cidr block association ID '{id}' does not exist",
        tag_type: None,
    },
    InternetGateway {
        prefix: "igw",
        not_found: InvalidInternetGatewayIdNotFound,
        malformed: InvalidInternetGatewayIdMalformed,
        message: "The internetGateway ID '{id}' does not exist",
        tag_type: Some("internet-gateway"),
    },
    EgressOnlyInternetGateway {
        prefix: "eigw",
        not_found: InvalidEgressOnlyInternetGatewayIdNotFound,
        malformed: InvalidEgressOnlyInternetGatewayIdMalformed,
        message: "The egressOnlyInternetGateway ID '{id}' does not exist",
        tag_type: Some("egress-only-internet-gateway"),
    },
    RouteTable {
        prefix: "rtb",
        not_found: InvalidRouteTableIdNotFound,
        malformed: InvalidRouteTableIdMalformed,
        message: "The routeTable ID '{id}' does not exist",
        tag_type: Some("route-table"),
    },
    RouteTableAssociation {
        prefix: "rtbassoc",
        not_found: InvalidAssociationIdNotFound,
        malformed: InvalidAssociationIdMalformed,
        message: "The association ID '{id}' does not exist",
        tag_type: None,
    },
    SecurityGroup {
        prefix: "sg",
        not_found: InvalidGroupNotFound,
        malformed: InvalidGroupIdMalformed,
        message: "The security group '{id}' does not exist",
        tag_type: Some("security-group"),
    },
    SecurityGroupRule {
        prefix: "sgr",
        not_found: InvalidSecurityGroupRuleIdNotFound,
        malformed: InvalidSecurityGroupRuleIdMalformed,
        message: "The security group rule ID '{id}' does not exist",
        tag_type: Some("security-group-rule"),
    },
    NetworkAcl {
        prefix: "acl",
        not_found: InvalidNetworkAclIdNotFound,
        malformed: InvalidNetworkAclIdMalformed,
        message: "The networkAcl ID '{id}' does not exist",
        tag_type: Some("network-acl"),
    },
    NetworkAclAssociation {
        prefix: "aclassoc",
        not_found: InvalidAssociationIdNotFound,
        malformed: InvalidAssociationIdMalformed,
        message: "The association ID '{id}' does not exist",
        tag_type: None,
    },
    DhcpOptions {
        prefix: "dopt",
        not_found: InvalidDhcpOptionIdNotFound,
        malformed: InvalidDhcpOptionsIdMalformed,
        message: "The dhcpOption ID '{id}' does not exist",
        tag_type: Some("dhcp-options"),
    },
    NetworkInterface {
        prefix: "eni",
        not_found: InvalidNetworkInterfaceIdNotFound,
        malformed: InvalidNetworkInterfaceIdMalformed,
        message: "The networkInterface ID '{id}' does not exist",
        tag_type: Some("network-interface"),
    },
    Attachment {
        prefix: "eni-attach",
        not_found: InvalidAttachmentIdNotFound,
        malformed: InvalidNetworkInterfaceAttachmentIdMalformed,
        message: "The attachment '{id}' does not exist.",
        tag_type: None,
    },
    Instance {
        prefix: "i",
        not_found: InvalidInstanceIdNotFound,
        malformed: InvalidInstanceIdMalformed,
        message: "The instance ID '{id}' does not exist",
        tag_type: Some("instance"),
    },
    Reservation {
        prefix: "r",
        not_found: InvalidInstanceIdNotFound,
        malformed: InvalidInstanceIdMalformed,
        message: "The reservation ID '{id}' does not exist",
        tag_type: None,
    },
    Allocation {
        prefix: "eipalloc",
        not_found: InvalidAllocationIdNotFound,
        malformed: InvalidAllocationIdMalformed,
        message: "The allocation ID '{id}' does not exist",
        tag_type: Some("elastic-ip"),
    },
    EipAssociation {
        prefix: "eipassoc",
        not_found: InvalidAssociationIdNotFound,
        malformed: InvalidAssociationIdMalformed,
        message: "The association ID '{id}' does not exist",
        tag_type: None,
    },
    // EC2 has no malformed code for key pair IDs: a bad one names no key pair.
    KeyPair {
        prefix: "key",
        not_found: InvalidKeyPairNotFound,
        malformed: InvalidKeyPairNotFound,
        message: "The key pair ID '{id}' does not exist",
        tag_type: Some("key-pair"),
    },
    Image {
        prefix: "ami",
        not_found: InvalidAmiIdNotFound,
        malformed: InvalidAmiIdMalformed,
        message: "The image id '[{id}]' does not exist",
        tag_type: None,
    },
    NetworkInsightsPath {
        prefix: "nip",
        not_found: InvalidNetworkInsightsPathIdNotFound,
        malformed: InvalidNetworkInsightsPathIdMalformed,
        message: "The network insights path ID '{id}' does not exist",
        tag_type: Some("network-insights-path"),
    },
    NetworkInsightsAnalysis {
        prefix: "nia",
        not_found: InvalidNetworkInsightsAnalysisIdNotFound,
        malformed: InvalidNetworkInsightsAnalysisIdMalformed,
        message: "The network insights analysis ID '{id}' does not exist",
        tag_type: Some("network-insights-analysis"),
    },
    Volume {
        prefix: "vol",
        not_found: InvalidVolumeNotFound,
        malformed: InvalidVolumeIdMalformed,
        message: "The volume '{id}' does not exist.",
        tag_type: Some("volume"),
    },
    NatGateway {
        prefix: "nat",
        not_found: NatGatewayNotFound,
        malformed: NatGatewayMalformed,
        message: "NAT gateway {id} was not found",
        tag_type: Some("natgateway"),
    },
    VpcPeeringConnection {
        prefix: "pcx",
        not_found: InvalidVpcPeeringConnectionIdNotFound,
        malformed: InvalidVpcPeeringConnectionIdMalformed,
        message: "The vpcPeeringConnection ID '{id}' does not exist",
        tag_type: Some("vpc-peering-connection"),
    },
    VpcEndpoint {
        prefix: "vpce",
        not_found: InvalidVpcEndpointIdNotFound,
        malformed: InvalidVpcEndpointIdMalformed,
        message: "The VpcEndPoint ID '{id}' does not exist",
        tag_type: Some("vpc-endpoint"),
    },
    // The attachment of an interface a service manages.
    ServiceAttachment {
        prefix: "ela-attach",
        not_found: InvalidAttachmentIdNotFound,
        malformed: InvalidNetworkInterfaceAttachmentIdMalformed,
        message: "The attachment ID '{id}' does not exist",
        tag_type: None,
    },
    PrefixList {
        prefix: "pl",
        not_found: InvalidPrefixListIdNotFound,
        malformed: InvalidPrefixListIdMalformed,
        message: "The prefix list ID '{id}' does not exist",
        tag_type: Some("prefix-list"),
    },
    LaunchTemplate {
        prefix: "lt",
        not_found: InvalidLaunchTemplateIdNotFound,
        malformed: InvalidLaunchTemplateIdMalformed,
        message: "Atleast one of the launch templates specified in the request does not exist.",
        tag_type: Some("launch-template"),
    },
}

impl IdKind {
    /// This kind's row of [`KINDS`].
    pub fn info(self) -> &'static Kind {
        &KINDS[self as usize]
    }

    pub fn prefix(self) -> &'static str {
        self.info().prefix
    }

    pub fn not_found_code(self) -> ErrorCode {
        self.info().not_found
    }

    pub fn malformed_code(self) -> ErrorCode {
        self.info().malformed
    }

    /// EC2's tag `ResourceType` of a taggable kind.
    pub fn tag_type(self) -> Option<&'static str> {
        self.info().tag_type
    }

    /// A fresh long-format ID of this kind.
    pub fn generate(self) -> String {
        let n: u128 = rand::rng().random();
        format!("{}-{:017x}", self.prefix(), n & ((1u128 << 68) - 1))
    }

    /// Checks an ID given by a caller: the right prefix and 8 or 17 lower-case hex digits.
    pub fn parse(self, id: &str) -> Result<String, Ec2Error> {
        let well_formed = id
            .strip_prefix(self.prefix())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|hex| {
                matches!(hex.len(), 8 | 17)
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
        if well_formed {
            Ok(id.to_owned())
        } else {
            Err(Ec2Error::new(
                self.malformed_code(),
                format!("Invalid id: \"{id}\" (expecting \"{}-...\")", self.prefix()),
            ))
        }
    }

    /// The error for a well-formed ID that names nothing the caller owns.
    pub fn not_found(self, id: &str) -> Ec2Error {
        let info = self.info();
        Ec2Error::new(info.not_found, info.not_found_message.replace("{id}", id))
    }

    /// The taggable kind an ID belongs to, by its prefix (the tag actions take any ID).
    pub fn of(id: &str) -> Option<Self> {
        let (prefix, _) = id.rsplit_once('-')?;
        KINDS
            .iter()
            .find(|k| k.tag_type.is_some() && k.prefix == prefix && k.kind.parse(id).is_ok())
            .map(|k| k.kind)
    }

    /// The taggable kind of a tag `ResourceType`.
    pub fn of_tag_type(resource_type: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|k| k.tag_type == Some(resource_type))
            .map(|k| k.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_long_and_parse_back() {
        for kind in [
            IdKind::Vpc,
            IdKind::Attachment,
            IdKind::VpcCidrAssociation,
            IdKind::Instance,
        ] {
            let id = kind.generate();
            assert_eq!(id.len(), kind.prefix().len() + 1 + 17, "{id}");
            assert_eq!(kind.parse(&id).unwrap(), id);
        }
    }

    #[test]
    fn legacy_ids_accepted_and_garbage_malformed() {
        assert!(IdKind::Vpc.parse("vpc-baabadd3").is_ok());
        for bad in [
            "vpc-",
            "vpc-XYZ",
            "subnet-12345678",
            "vpc-1234567",
            "vpc-0123456789abcdefg",
            "VPC-12345678",
        ] {
            let err = IdKind::Vpc.parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidVpcIdMalformed, "{bad}");
        }
        assert_eq!(
            IdKind::Subnet.parse("subnet-zz").unwrap_err().code.as_str(),
            "InvalidSubnetID.Malformed"
        );
    }

    #[test]
    fn the_table_is_in_declaration_order_with_distinct_prefixes_and_tag_types() {
        for (i, row) in KINDS.iter().enumerate() {
            assert_eq!(row.kind as usize, i, "{row:?}");
            let other = KINDS.iter().filter(|k| k.prefix == row.prefix).count();
            assert_eq!(other, 1, "{row:?}");
            if let Some(t) = row.tag_type {
                assert_eq!(IdKind::of_tag_type(t), Some(row.kind));
                assert_eq!(IdKind::of(&row.kind.generate()), Some(row.kind));
            } else {
                assert_eq!(IdKind::of(&row.kind.generate()), None, "{row:?}");
            }
        }
        let err = IdKind::Allocation.not_found("eipalloc-12345678");
        assert_eq!(err.code.as_str(), "InvalidAllocationID.NotFound");
        assert_eq!(
            err.message,
            "The allocation ID 'eipalloc-12345678' does not exist"
        );
    }

    #[test]
    fn kind_of_id_by_prefix() {
        assert_eq!(IdKind::of("vpc-baabadd3"), Some(IdKind::Vpc));
        assert_eq!(
            IdKind::of("eni-0c9dd1e1562df4b8f"),
            Some(IdKind::NetworkInterface)
        );
        assert_eq!(IdKind::of("i-0c9dd1e1562df4b8f"), Some(IdKind::Instance));
        assert_eq!(IdKind::of("key-0c9dd1e1562df4b8f"), Some(IdKind::KeyPair));
        assert_eq!(IdKind::of("foo-12345678"), None);
        assert_eq!(IdKind::of("vpc-nothex!!"), None);
    }
}
