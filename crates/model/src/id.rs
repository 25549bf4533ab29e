//! Resource identifiers: `prefix-` + 17 lower-case hex digits, with legacy 8-digit IDs accepted
//! as input. Each kind knows the error codes EC2 uses for a malformed and an unknown ID.

use crate::error::{Ec2Error, ErrorCode};
use rand::RngExt;

/// Every kind of identifier localvpc hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Vpc,
    VpcCidrAssociation,
    Subnet,
    SubnetCidrAssociation,
    InternetGateway,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    SecurityGroupRule,
    NetworkAcl,
    NetworkAclAssociation,
    DhcpOptions,
    NetworkInterface,
    Attachment,
    Instance,
    Reservation,
    Allocation,
    EipAssociation,
    KeyPair,
    Image,
    NetworkInsightsPath,
    NetworkInsightsAnalysis,
    NatGateway,
    /// The attachment of an interface a service manages (`ela-attach-…`).
    ServiceAttachment,
    LaunchTemplate,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Vpc => "vpc",
            Self::VpcCidrAssociation => "vpc-cidr-assoc",
            Self::Subnet => "subnet",
            Self::SubnetCidrAssociation => "subnet-cidr-assoc",
            Self::InternetGateway => "igw",
            Self::RouteTable => "rtb",
            Self::RouteTableAssociation => "rtbassoc",
            Self::SecurityGroup => "sg",
            Self::SecurityGroupRule => "sgr",
            Self::NetworkAcl => "acl",
            Self::NetworkAclAssociation => "aclassoc",
            Self::DhcpOptions => "dopt",
            Self::NetworkInterface => "eni",
            Self::Attachment => "eni-attach",
            Self::Instance => "i",
            Self::Reservation => "r",
            Self::Allocation => "eipalloc",
            Self::EipAssociation => "eipassoc",
            Self::KeyPair => "key",
            Self::Image => "ami",
            Self::NetworkInsightsPath => "nip",
            Self::NetworkInsightsAnalysis => "nia",
            Self::NatGateway => "nat",
            Self::ServiceAttachment => "ela-attach",
            Self::LaunchTemplate => "lt",
        }
    }

    /// The noun EC2 uses in "The <noun> ID '…' does not exist".
    fn noun(self) -> &'static str {
        match self {
            Self::Vpc => "vpc",
            Self::VpcCidrAssociation => "vpc cidr block association",
            Self::Subnet => "subnet",
            Self::SubnetCidrAssociation => "subnet cidr block association",
            Self::InternetGateway => "internetGateway",
            Self::RouteTable => "routeTable",
            Self::RouteTableAssociation => "association",
            Self::SecurityGroup => "security group",
            Self::SecurityGroupRule => "security group rule",
            Self::NetworkAcl => "networkAcl",
            Self::NetworkAclAssociation => "association",
            Self::DhcpOptions => "dhcpOption",
            Self::NetworkInterface => "networkInterface",
            Self::Attachment => "attachment",
            Self::Instance => "instance",
            Self::Reservation => "reservation",
            Self::Allocation => "allocation",
            Self::EipAssociation => "association",
            Self::KeyPair => "key pair",
            Self::Image => "image",
            Self::NetworkInsightsPath => "network insights path",
            Self::NetworkInsightsAnalysis => "network insights analysis",
            Self::NatGateway => "NAT gateway",
            Self::ServiceAttachment => "attachment",
            Self::LaunchTemplate => "launch template",
        }
    }

    pub fn not_found_code(self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Vpc => C::InvalidVpcIdNotFound,
            Self::VpcCidrAssociation => C::InvalidVpcCidrBlockAssociationIdNotFound,
            Self::Subnet => C::InvalidSubnetIdNotFound,
            Self::SubnetCidrAssociation => C::InvalidSubnetCidrBlockAssociationIdNotFound,
            Self::InternetGateway => C::InvalidInternetGatewayIdNotFound,
            Self::RouteTable => C::InvalidRouteTableIdNotFound,
            Self::RouteTableAssociation | Self::NetworkAclAssociation | Self::EipAssociation => {
                C::InvalidAssociationIdNotFound
            }
            Self::SecurityGroup => C::InvalidGroupNotFound,
            Self::SecurityGroupRule => C::InvalidSecurityGroupRuleIdNotFound,
            Self::NetworkAcl => C::InvalidNetworkAclIdNotFound,
            Self::DhcpOptions => C::InvalidDhcpOptionIdNotFound,
            Self::NetworkInterface => C::InvalidNetworkInterfaceIdNotFound,
            Self::Attachment => C::InvalidAttachmentIdNotFound,
            Self::Instance | Self::Reservation => C::InvalidInstanceIdNotFound,
            Self::Allocation => C::InvalidAllocationIdNotFound,
            Self::KeyPair => C::InvalidKeyPairNotFound,
            Self::Image => C::InvalidAmiIdNotFound,
            Self::NetworkInsightsPath => C::InvalidNetworkInsightsPathIdNotFound,
            Self::NetworkInsightsAnalysis => C::InvalidNetworkInsightsAnalysisIdNotFound,
            Self::NatGateway => C::NatGatewayNotFound,
            Self::ServiceAttachment => C::InvalidAttachmentIdNotFound,
            Self::LaunchTemplate => C::InvalidLaunchTemplateIdNotFound,
        }
    }

    pub fn malformed_code(self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Vpc => C::InvalidVpcIdMalformed,
            Self::VpcCidrAssociation => C::InvalidVpcCidrBlockAssociationIdMalformed,
            Self::Subnet => C::InvalidSubnetIdMalformed,
            Self::SubnetCidrAssociation => C::InvalidSubnetCidrBlockAssociationIdMalformed,
            Self::InternetGateway => C::InvalidInternetGatewayIdMalformed,
            Self::RouteTable => C::InvalidRouteTableIdMalformed,
            Self::RouteTableAssociation | Self::NetworkAclAssociation | Self::EipAssociation => {
                C::InvalidAssociationIdMalformed
            }
            Self::SecurityGroup => C::InvalidGroupIdMalformed,
            Self::SecurityGroupRule => C::InvalidSecurityGroupRuleIdMalformed,
            Self::NetworkAcl => C::InvalidNetworkAclIdMalformed,
            Self::DhcpOptions => C::InvalidDhcpOptionsIdMalformed,
            Self::NetworkInterface => C::InvalidNetworkInterfaceIdMalformed,
            Self::Attachment => C::InvalidNetworkInterfaceAttachmentIdMalformed,
            Self::Instance | Self::Reservation => C::InvalidInstanceIdMalformed,
            Self::Allocation => C::InvalidAllocationIdMalformed,
            // EC2 has no malformed code for key pair IDs: a bad one names no key pair.
            Self::KeyPair => C::InvalidKeyPairNotFound,
            Self::Image => C::InvalidAmiIdMalformed,
            Self::NetworkInsightsPath => C::InvalidNetworkInsightsPathIdMalformed,
            Self::NetworkInsightsAnalysis => C::InvalidNetworkInsightsAnalysisIdMalformed,
            Self::NatGateway => C::NatGatewayMalformed,
            Self::ServiceAttachment => C::InvalidNetworkInterfaceAttachmentIdMalformed,
            Self::LaunchTemplate => C::InvalidLaunchTemplateIdMalformed,
        }
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
        let message = match self {
            Self::SecurityGroup => format!("The security group '{id}' does not exist"),
            Self::Attachment => format!("The attachment '{id}' does not exist."),
            Self::DhcpOptions => format!("The dhcpOption ID '{id}' does not exist"),
            Self::Image => format!("The image id '[{id}]' does not exist"),
            Self::NatGateway => format!("NAT gateway {id} was not found"),
            Self::LaunchTemplate => {
                "Atleast one of the launch templates specified in the request does not exist."
                    .to_owned()
            }
            _ => format!("The {} ID '{id}' does not exist", self.noun()),
        };
        Ec2Error::new(self.not_found_code(), message)
    }

    /// Finds the kind an ID belongs to by its prefix (used by tag actions, which take any ID).
    pub fn of(id: &str) -> Option<Self> {
        const TAGGABLE: [IdKind; 16] = [
            IdKind::Vpc,
            IdKind::Subnet,
            IdKind::InternetGateway,
            IdKind::RouteTable,
            IdKind::SecurityGroup,
            IdKind::SecurityGroupRule,
            IdKind::NetworkAcl,
            IdKind::NetworkInterface,
            IdKind::Instance,
            IdKind::Allocation,
            IdKind::KeyPair,
            IdKind::NetworkInsightsPath,
            IdKind::NetworkInsightsAnalysis,
            IdKind::NatGateway,
            IdKind::LaunchTemplate,
            IdKind::DhcpOptions,
        ];
        let (prefix, _) = id.rsplit_once('-')?;
        TAGGABLE
            .into_iter()
            .find(|k| k.prefix() == prefix && k.parse(id).is_ok())
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
