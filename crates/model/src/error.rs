//! The one error type of localvpc's API: an EC2 error code (exact AWS spelling) and a message.
//!
//! Every code AWS can answer with lives in [`ErrorCode`], together with its HTTP status, so the
//! protocol edge renders errors in one place and handlers can never misspell a code.

use std::fmt;

macro_rules! error_codes {
    ($($variant:ident = $code:literal $(, $status:literal)?;)*) => {
        /// EC2 error codes, spelled exactly as the service sends them (capitalisation included).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            /// The code string on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The HTTP status EC2 answers this code with (400 unless stated otherwise).
            pub fn http_status(self) -> u16 {
                match self { $(Self::$variant => error_codes!(@status $($status)?),)* }
            }
        }
    };
    (@status) => { 400 };
    (@status $s:literal) => { $s };
}

error_codes! {
    // Protocol and request shape
    InvalidAction = "InvalidAction";
    UnsupportedOperation = "UnsupportedOperation";
    MissingParameter = "MissingParameter";
    UnknownParameter = "UnknownParameter";
    InvalidParameterValue = "InvalidParameterValue";
    InvalidParameterCombination = "InvalidParameterCombination";
    InvalidParameter = "InvalidParameter";
    FilterLimitExceeded = "FilterLimitExceeded";
    InvalidNextToken = "InvalidNextToken";
    InvalidId = "InvalidID";
    DryRunOperation = "DryRunOperation", 412;
    UnauthorizedOperation = "UnauthorizedOperation", 403;
    AuthFailure = "AuthFailure", 401;
    IdempotentParameterMismatch = "IdempotentParameterMismatch";
    IdempotentInstanceTerminated = "IdempotentInstanceTerminated";
    InternalError = "InternalError", 500;
    RequestLimitExceeded = "RequestLimitExceeded", 503;
    ServiceUnavailable = "ServiceUnavailable", 503;
    DependencyViolation = "DependencyViolation";
    OperationNotPermitted = "OperationNotPermitted";
    IncorrectState = "IncorrectState";
    IncorrectInstanceState = "IncorrectInstanceState";
    // Authentication (`--auth verify`) and request limits
    MissingAuthenticationToken = "MissingAuthenticationToken", 403;
    IncompleteSignature = "IncompleteSignature";
    SignatureDoesNotMatch = "SignatureDoesNotMatch", 403;
    RequestExpired = "RequestExpired";
    InvalidClientTokenId = "InvalidClientTokenId", 403;
    RequestEntityTooLarge = "RequestEntityTooLarge", 413;
    // VPCs
    InvalidVpcIdNotFound = "InvalidVpcID.NotFound";
    InvalidVpcIdMalformed = "InvalidVpcID.Malformed";
    InvalidVpcRange = "InvalidVpc.Range";
    VpcLimitExceeded = "VpcLimitExceeded";
    CidrLimitExceeded = "CidrLimitExceeded";
    InvalidVpcCidrBlockAssociationIdNotFound = "InvalidVpcCidrBlockAssociationID.NotFound";
    InvalidVpcCidrBlockAssociationIdMalformed = "InvalidVpcCidrBlockAssociationId.Malformed";
    VpcIdNotSpecified = "VPCIdNotSpecified";
    InvalidCidrBlockInUse = "InvalidCidrBlock.InUse";
    InvalidSubnetCidrBlockAssociationIdNotFound = "InvalidSubnetCidrBlockAssociationID.NotFound";
    InvalidSubnetCidrBlockAssociationIdMalformed = "InvalidSubnetCidrBlockAssociationId.Malformed";
    // Subnets
    InvalidSubnetIdNotFound = "InvalidSubnetID.NotFound";
    InvalidSubnetIdMalformed = "InvalidSubnetID.Malformed";
    InvalidSubnetRange = "InvalidSubnet.Range";
    InvalidSubnetConflict = "InvalidSubnet.Conflict";
    SubnetLimitExceeded = "SubnetLimitExceeded";
    // Internet gateways
    InvalidInternetGatewayIdNotFound = "InvalidInternetGatewayID.NotFound";
    InvalidInternetGatewayIdMalformed = "InvalidInternetGatewayId.Malformed";
    InternetGatewayLimitExceeded = "InternetGatewayLimitExceeded";
    ResourceAlreadyAssociated = "Resource.AlreadyAssociated";
    GatewayNotAttached = "Gateway.NotAttached";
    InvalidGatewayIdNotFound = "InvalidGatewayID.NotFound";
    InvalidEgressOnlyInternetGatewayIdNotFound = "InvalidEgressOnlyInternetGatewayId.NotFound";
    InvalidEgressOnlyInternetGatewayIdMalformed = "InvalidEgressOnlyInternetGatewayId.Malformed";
    // Route tables
    InvalidRouteTableIdNotFound = "InvalidRouteTableID.NotFound";
    InvalidRouteTableIdMalformed = "InvalidRouteTableId.Malformed";
    InvalidAssociationIdNotFound = "InvalidAssociationID.NotFound";
    InvalidAssociationIdMalformed = "InvalidAssociationID.Malformed";
    InvalidRouteNotFound = "InvalidRoute.NotFound";
    InvalidRouteMalformed = "InvalidRoute.Malformed";
    InvalidRouteInvalidState = "InvalidRoute.InvalidState";
    RouteAlreadyExists = "RouteAlreadyExists";
    RouteLimitExceeded = "RouteLimitExceeded";
    RouteTableLimitExceeded = "RouteTableLimitExceeded";
    InvalidInstanceId = "InvalidInstanceID";
    // Security groups
    InvalidGroupNotFound = "InvalidGroup.NotFound";
    InvalidGroupIdMalformed = "InvalidGroupId.Malformed";
    InvalidGroupDuplicate = "InvalidGroup.Duplicate";
    InvalidGroupReserved = "InvalidGroup.Reserved";
    CannotDelete = "CannotDelete";
    InvalidPermissionDuplicate = "InvalidPermission.Duplicate";
    InvalidPermissionNotFound = "InvalidPermission.NotFound";
    InvalidPermissionMalformed = "InvalidPermission.Malformed";
    InvalidSecurityGroupRuleIdNotFound = "InvalidSecurityGroupRuleId.NotFound";
    InvalidSecurityGroupRuleIdMalformed = "InvalidSecurityGroupRuleId.Malformed";
    SecurityGroupLimitExceeded = "SecurityGroupLimitExceeded";
    RulesPerSecurityGroupLimitExceeded = "RulesPerSecurityGroupLimitExceeded";
    // Managed prefix lists
    InvalidPrefixListIdNotFound = "InvalidPrefixListID.NotFound";
    InvalidPrefixListIdMalformed = "InvalidPrefixListId.Malformed";
    InvalidPrefixListModification = "InvalidPrefixListModification";
    PrefixListVersionMismatch = "PrefixListVersionMismatch";
    PrefixListLimitExceeded = "PrefixListLimitExceeded";
    // VPC peering connections
    InvalidVpcPeeringConnectionIdNotFound = "InvalidVpcPeeringConnectionID.NotFound";
    InvalidVpcPeeringConnectionIdMalformed = "InvalidVpcPeeringConnectionId.Malformed";
    InvalidStateTransition = "InvalidStateTransition";
    VpcPeeringConnectionAlreadyExists = "VpcPeeringConnectionAlreadyExists";
    ActiveVpcPeeringConnectionPerVpcLimitExceeded = "ActiveVpcPeeringConnectionPerVpcLimitExceeded";
    OutstandingVpcPeeringConnectionLimitExceeded = "OutstandingVpcPeeringConnectionLimitExceeded";
    InvalidVpcPeeringConnectionStateDnsHostnamesDisabled = "InvalidVpcPeeringConnectionState.DnsHostnamesDisabled";
    // Network ACLs
    InvalidNetworkAclIdNotFound = "InvalidNetworkAclID.NotFound";
    InvalidNetworkAclIdMalformed = "InvalidNetworkAclId.Malformed";
    NetworkAclEntryAlreadyExists = "NetworkAclEntryAlreadyExists";
    InvalidNetworkAclEntryNotFound = "InvalidNetworkAclEntry.NotFound";
    NetworkAclEntryLimitExceeded = "NetworkAclEntryLimitExceeded";
    NetworkAclLimitExceeded = "NetworkAclLimitExceeded";
    // Tags
    TagLimitExceeded = "TagLimitExceeded";
    // Network interfaces, instances, addresses (used from issue 3 on)
    InvalidNetworkInterfaceIdNotFound = "InvalidNetworkInterfaceID.NotFound";
    InvalidNetworkInterfaceIdMalformed = "InvalidNetworkInterfaceId.Malformed";
    InvalidInstanceIdNotFound = "InvalidInstanceID.NotFound";
    InvalidInstanceIdMalformed = "InvalidInstanceID.Malformed";
    InvalidAllocationIdNotFound = "InvalidAllocationID.NotFound";
    InvalidAllocationIdMalformed = "InvalidAllocationID.Malformed";
    InvalidAddressNotFound = "InvalidAddress.NotFound";
    AddressLimitExceeded = "AddressLimitExceeded";
    InvalidAttachmentIdNotFound = "InvalidAttachmentID.NotFound";
    InvalidNetworkInterfaceAttachmentIdMalformed = "InvalidNetworkInterfaceAttachmentID.Malformed";
    InvalidIpAddressInUse = "InvalidIPAddress.InUse";
    InvalidNetworkInterfaceInUse = "InvalidNetworkInterface.InUse";
    AttachmentLimitExceeded = "AttachmentLimitExceeded";
    PrivateIpAddressLimitExceeded = "PrivateIpAddressLimitExceeded";
    InvalidInterfaceIpAddressLimitExceeded = "InvalidInterface.IpAddressLimitExceeded";
    NetworkInterfaceLimitExceeded = "NetworkInterfaceLimitExceeded";
    SecurityGroupsPerInterfaceLimitExceeded = "SecurityGroupsPerInterfaceLimitExceeded";
    InvalidKeyPairNotFound = "InvalidKeyPair.NotFound";
    // Reachability Analyzer
    InvalidNetworkInsightsPathIdNotFound = "InvalidNetworkInsightsPathId.NotFound";
    InvalidNetworkInsightsPathIdMalformed = "InvalidNetworkInsightsPathId.Malformed";
    InvalidNetworkInsightsAnalysisIdNotFound = "InvalidNetworkInsightsAnalysisId.NotFound";
    InvalidNetworkInsightsAnalysisIdMalformed = "InvalidNetworkInsightsAnalysisId.Malformed";
    AnalysisExistsForNetworkInsightsPath = "AnalysisExistsForNetworkInsightsPath";
    InvalidKeyPairDuplicate = "InvalidKeyPair.Duplicate";
    InvalidKeyFormat = "InvalidKey.Format";
    InvalidAmiIdMalformed = "InvalidAMIID.Malformed";
    InvalidAmiIdNotFound = "InvalidAMIID.NotFound";
    InvalidUserIdMalformed = "InvalidUserID.Malformed";
    InvalidInstanceType = "InvalidInstanceType";
    MissingInput = "MissingInput";
    InstanceLimitExceeded = "InstanceLimitExceeded";
    InsufficientAddressCapacity = "InsufficientAddressCapacity";
    InsufficientFreeAddressesInSubnet = "InsufficientFreeAddressesInSubnet";
    InsufficientCidrBlocks = "InsufficientCidrBlocks";
    // DHCP option sets
    InvalidDhcpOptionIdNotFound = "InvalidDhcpOptionID.NotFound";
    InvalidDhcpOptionsIdMalformed = "InvalidDhcpOptionsId.Malformed";
    DhcpOptionsLimitExceeded = "DhcpOptionsLimitExceeded";
    // NAT gateways
    NatGatewayNotFound = "NatGatewayNotFound";
    NatGatewayMalformed = "NatGatewayMalformed";
    NatGatewayLimitExceeded = "NatGatewayLimitExceeded";
    InvalidVpcEndpointIdNotFound = "InvalidVpcEndpointId.NotFound";
    InvalidVpcEndpointIdMalformed = "InvalidVpcEndpointId.Malformed";
    InvalidVpcEndpointNotFound = "InvalidVpcEndpoint.NotFound";
    InvalidVpcEndpointType = "InvalidVpcEndpointType";
    InvalidServiceName = "InvalidServiceName";
    InvalidPolicyDocument = "InvalidPolicyDocument";
    DuplicateSubnetsInSameZone = "DuplicateSubnetsInSameZone";
    VpcEndpointLimitExceeded = "VpcEndpointLimitExceeded";
    InvalidSubnet = "InvalidSubnet";
    InvalidElasticIpIdMalformed = "InvalidElasticIpID.Malformed";
    // Launch templates
    InvalidLaunchTemplateIdNotFound = "InvalidLaunchTemplateId.NotFound";
    InvalidLaunchTemplateIdMalformed = "InvalidLaunchTemplateId.Malformed";
    InvalidLaunchTemplateIdVersionNotFound = "InvalidLaunchTemplateId.VersionNotFound";
    InvalidLaunchTemplateNameNotFoundException = "InvalidLaunchTemplateName.NotFoundException";
    InvalidLaunchTemplateNameMalformedException = "InvalidLaunchTemplateName.MalformedException";
    InvalidLaunchTemplateNameAlreadyExistsException = "InvalidLaunchTemplateName.AlreadyExistsException";
    MaxTemplateLimitExceeded = "MaxTemplateLimitExceeded";
    MaxTemplateVersionLimitExceeded = "MaxTemplateVersionLimitExceeded";
    // EBS volumes
    InvalidVolumeNotFound = "InvalidVolume.NotFound";
    InvalidVolumeIdMalformed = "InvalidVolumeID.Malformed";
    InvalidBlockDeviceMapping = "InvalidBlockDeviceMapping";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the client sees it: an AWS code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Ec2Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Ec2Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            ErrorCode::MissingParameter,
            format!("The request must contain the parameter {name}"),
        )
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterValue, message)
    }

    /// EC2's wording for a parameter whose value does not parse.
    pub fn invalid_parameter(name: &str, value: &str) -> Self {
        Self::invalid_value(format!("Invalid value '{value}' for {name}"))
    }

    pub fn combination(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterCombination, message)
    }

    pub fn dependency(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::DependencyViolation, message)
    }

    /// Something that is our fault, not the caller's. The detail goes to the log only.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "An internal error has occurred. The request was not applied.",
        )
    }

    /// A transient failure (a lost race, a busy or unreachable database): nothing was applied
    /// and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            "The request has failed due to a temporary failure of the server.",
        )
    }

    pub fn dry_run() -> Self {
        Self::new(
            ErrorCode::DryRunOperation,
            "Request would have succeeded, but DryRun flag is set.",
        )
    }
}

pub type Result<T, E = Ec2Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_aws_spelling_and_status() {
        assert_eq!(
            ErrorCode::InvalidVpcIdNotFound.as_str(),
            "InvalidVpcID.NotFound"
        );
        assert_eq!(
            ErrorCode::InvalidNetworkInterfaceIdMalformed.as_str(),
            "InvalidNetworkInterfaceId.Malformed"
        );
        assert_eq!(
            ErrorCode::InvalidInternetGatewayIdMalformed.as_str(),
            "InvalidInternetGatewayId.Malformed"
        );
        assert_eq!(ErrorCode::DryRunOperation.http_status(), 412);
        assert_eq!(ErrorCode::InternalError.http_status(), 500);
        assert_eq!(ErrorCode::RequestLimitExceeded.http_status(), 503);
        assert_eq!(ErrorCode::DependencyViolation.http_status(), 400);
    }
}
