//! The AWS services a region offers endpoints for (DescribeVpcEndpointServices): S3 and
//! DynamoDB as gateways, the services infrastructure code most often reaches privately as
//! interfaces (vpc-surface.md §5's minimum catalogue). S3 and DynamoDB are offered as both.

use super::EndpointType;
use crate::error::{Ec2Error, ErrorCode};
use crate::region::Region;

const GATEWAY: &[&str] = &["dynamodb", "s3"];
const INTERFACE: &[&str] = &[
    "dynamodb",
    "ec2",
    "ec2messages",
    "ecr.api",
    "ecr.dkr",
    "ecs",
    "elasticloadbalancing",
    "execute-api",
    "kinesis-streams",
    "kms",
    "lambda",
    "logs",
    "monitoring",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "ssmmessages",
    "sts",
];

/// One service of one type, as DescribeVpcEndpointServices details it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `com.amazonaws.<region>.<short>`.
    pub name: String,
    pub short: &'static str,
    pub service_type: EndpointType,
    /// `vpce-svc-…`, stable for the name and type.
    pub id: String,
    pub zones: Vec<&'static str>,
    pub base_endpoint_dns_names: Vec<String>,
    pub private_dns_name: Option<String>,
}

/// Every service of `region`, sorted by name then type (Gateway before Interface).
pub fn catalogue(region: &Region) -> Vec<Service> {
    let mut services: Vec<Service> = GATEWAY
        .iter()
        .map(|s| (*s, EndpointType::Gateway))
        .chain(INTERFACE.iter().map(|s| (*s, EndpointType::Interface)))
        .map(|(short, service_type)| {
            let name = format!("com.amazonaws.{}.{short}", region.name);
            let base = match service_type {
                EndpointType::Gateway => format!("{short}.{}.amazonaws.com", region.name),
                EndpointType::Interface => format!("{short}.{}.vpce.amazonaws.com", region.name),
            };
            Service {
                id: service_id(&name, service_type),
                private_dns_name: match service_type {
                    EndpointType::Gateway => None,
                    EndpointType::Interface => private_dns_name(&name, region.name),
                },
                name,
                short,
                service_type,
                zones: region.zones.iter().map(|z| z.name).collect(),
                base_endpoint_dns_names: vec![base],
            }
        })
        .collect();
    services.sort_by(|a, b| {
        (a.name.as_str(), a.service_type.as_str()).cmp(&(b.name.as_str(), b.service_type.as_str()))
    });
    services
}

/// The service an endpoint of type `t` is asked for, with AWS's refusals: an unknown name, or
/// a service that is not offered as that type.
pub fn find_service(region: &Region, name: &str, t: EndpointType) -> Result<Service, Ec2Error> {
    let offered: Vec<Service> = catalogue(region)
        .into_iter()
        .filter(|s| s.name == name)
        .collect();
    if offered.is_empty() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidServiceName,
            format!("The Vpc Endpoint Service '{name}' does not exist"),
        ));
    }
    let types: Vec<&str> = offered.iter().map(|s| s.service_type.as_str()).collect();
    offered
        .into_iter()
        .find(|s| s.service_type == t)
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidParameter,
                format!(
                    "Endpoint type ({}) does not match available service types ([{}]).",
                    t.as_str(),
                    types.join(", ")
                ),
            )
        })
}

/// The name an interface endpoint with private DNS answers for inside its VPC: the service's
/// regional API name (`*.s3.<region>.amazonaws.com` for S3).
pub fn private_dns_name(service_name: &str, region: &str) -> Option<String> {
    let short = service_name.strip_prefix(&format!("com.amazonaws.{region}."))?;
    INTERFACE.contains(&short).then(|| match short {
        "s3" => format!("*.s3.{region}.amazonaws.com"),
        "ecr.api" => format!("api.ecr.{region}.amazonaws.com"),
        "ecr.dkr" => format!("*.dkr.ecr.{region}.amazonaws.com"),
        "kinesis-streams" => format!("kinesis.{region}.amazonaws.com"),
        "execute-api" => format!("*.execute-api.{region}.amazonaws.com"),
        other => format!("{other}.{region}.amazonaws.com"),
    })
}

/// `vpce-svc-` and 17 hex digits derived from the name and type (FNV-1a).
fn service_id(name: &str, t: EndpointType) -> String {
    let h = name
        .bytes()
        .chain(t.as_str().bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("vpce-svc-0{h:016x}")
}

impl crate::filter::Tagged for Service {
    fn tags(&self) -> &[crate::tags::Tag] {
        &[]
    }
}
