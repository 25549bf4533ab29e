//! The VPC resolver's answers (AmazonProvidedDNS, at the VPC's base + 2 and 169.254.169.253),
//! pure: a query in, the answer out, over the VPC's [`Zone`]. The private DNS name of every
//! private address in the VPC (`ip-10-0-1-5.<region>.compute.internal`, `ec2.internal` in
//! us-east-1) answers A, its address answers PTR. localvpc has no internet, so a name outside
//! the VPC's zones gets SERVFAIL, as a recursive resolver that cannot reach any authority
//! answers; a name inside them that no address has gets NXDOMAIN (the resolver is the authority
//! there). With `enableDnsSupport` off the resolver does not answer at all, as on EC2.

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The link-local address of the resolver, in every VPC.
pub const LINK_LOCAL_RESOLVER: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 253);

/// How long answers may be cached: EC2's resolver gives private names 60 seconds.
const TTL: u32 = 60;

/// A VPC's resolver settings, as the data plane reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcDns {
    /// `enableDnsSupport`.
    pub enabled: bool,
    /// The VPC's base + 2.
    pub resolver: Ipv4Addr,
    /// The region's private DNS domain.
    pub domain: String,
}

/// What one VPC's resolver knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    /// `enableDnsSupport`: off, the resolver stays silent.
    pub enabled: bool,
    /// The VPC's base + 2 (AmazonProvidedDNS), where the resolver listens beside
    /// [`LINK_LOCAL_RESOLVER`].
    pub address: Option<Ipv4Addr>,
    /// `ec2.internal` or `<region>.compute.internal`.
    pub domain: String,
    /// Lower-case names without the final dot → address.
    pub names: BTreeMap<String, Ipv4Addr>,
    /// Interface endpoints' private DNS names (`sts.<region>.amazonaws.com`, or a wildcard
    /// `*.s3.<region>.amazonaws.com`) → their interfaces' addresses.
    pub services: BTreeMap<String, Vec<Ipv4Addr>>,
}

impl Zone {
    /// The zone of a VPC whose private addresses are `addresses`.
    pub fn new(enabled: bool, address: Ipv4Addr, domain: &str, addresses: &[Ipv4Addr]) -> Self {
        let names = addresses
            .iter()
            .map(|ip| (private_name(*ip, domain), *ip))
            .collect();
        Zone {
            enabled,
            address: Some(address),
            domain: domain.to_ascii_lowercase(),
            names,
            services: BTreeMap::new(),
        }
    }

    /// An interface endpoint's private DNS name now also answers with `address`.
    pub fn add_service(&mut self, name: &str, address: Ipv4Addr) {
        let addresses = self.services.entry(name.to_ascii_lowercase()).or_default();
        if !addresses.contains(&address) {
            addresses.push(address);
            addresses.sort();
        }
    }

    /// The endpoint addresses `name` reaches: an exact name, or one under a wildcard.
    fn service(&self, name: &str) -> Option<&[Ipv4Addr]> {
        self.services
            .iter()
            .find(|(pattern, _)| match pattern.strip_prefix("*.") {
                Some(suffix) => name.ends_with(&format!(".{suffix}")),
                None => pattern.as_str() == name,
            })
            .map(|(_, addresses)| addresses.as_slice())
    }

    /// The addresses the resolver answers on.
    pub fn listens_on(&self, address: Ipv4Addr) -> bool {
        address == LINK_LOCAL_RESOLVER || Some(address) == self.address
    }
}

/// `ip-10-0-1-5.<domain>`.
pub fn private_name(ip: Ipv4Addr, domain: &str) -> String {
    format!(
        "ip-{}.{}",
        ip.to_string().replace('.', "-"),
        domain.to_ascii_lowercase()
    )
}

/// What a name asks for, as the zone sees it.
enum Lookup {
    Found(Vec<RData>),
    /// In the zone, no such name (or no record of that type for a known name: NODATA).
    NoSuchName,
    NoData,
    /// Outside every zone the resolver holds.
    Elsewhere,
}

fn under(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

fn reverse(name: &str) -> Option<Ipv4Addr> {
    let octets: Vec<u8> = name
        .strip_suffix(".in-addr.arpa")?
        .split('.')
        .rev()
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    let octets: [u8; 4] = octets.try_into().ok()?;
    Some(Ipv4Addr::from(octets))
}

fn look_up(zone: &Zone, name: &str, kind: RecordType) -> Lookup {
    let found = zone
        .names
        .get(name)
        .map(std::slice::from_ref)
        .or_else(|| zone.service(name));
    if let Some(addresses) = found {
        return match kind {
            RecordType::A | RecordType::ANY => {
                Lookup::Found(addresses.iter().map(|ip| RData::A(A(*ip))).collect())
            }
            _ => Lookup::NoData,
        };
    }
    if under(name, &zone.domain) {
        return Lookup::NoSuchName;
    }
    if let Some(ip) = reverse(name) {
        let Some(owner) = zone.names.iter().find(|(_, a)| **a == ip).map(|(n, _)| n) else {
            return Lookup::Elsewhere;
        };
        return match (kind, Name::from_ascii(format!("{owner}."))) {
            (RecordType::PTR | RecordType::ANY, Ok(target)) => {
                Lookup::Found(vec![RData::PTR(PTR(target))])
            }
            _ => Lookup::NoData,
        };
    }
    Lookup::Elsewhere
}

/// The answer to one DNS query datagram, or `None` when the resolver stays silent: DNS support
/// off, or not a query it can parse.
pub fn answer(query: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    if !zone.enabled {
        return None;
    }
    let query = Message::from_vec(query).ok()?;
    if query.message_type() != MessageType::Query {
        return None;
    }
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true);
    let Some(question) = query.queries().first().cloned() else {
        reply.set_response_code(ResponseCode::FormErr);
        return reply.to_vec().ok();
    };
    if query.op_code() != OpCode::Query {
        reply.set_response_code(ResponseCode::NotImp);
        return reply.to_vec().ok();
    }
    let asked = question.name().clone();
    let name = asked.to_lowercase().to_ascii();
    let name = name.trim_end_matches('.');
    reply.add_query(question.clone());
    match look_up(zone, name, question.query_type()) {
        Lookup::Found(answers) => {
            for rdata in answers {
                reply.add_answer(Record::from_rdata(asked.clone(), TTL, rdata));
            }
        }
        Lookup::NoData => {}
        Lookup::NoSuchName => {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        Lookup::Elsewhere => {
            reply.set_response_code(ResponseCode::ServFail);
        }
    }
    reply.to_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;

    fn zone(enabled: bool) -> Zone {
        Zone::new(
            enabled,
            Ipv4Addr::new(10, 0, 0, 2),
            "ap-northeast-1.compute.internal",
            &[Ipv4Addr::new(10, 0, 1, 5), Ipv4Addr::new(10, 0, 1, 6)],
        )
    }

    fn ask(zone: &Zone, name: &str, kind: RecordType) -> Option<Message> {
        let mut q = Message::new();
        q.set_id(7).set_recursion_desired(true);
        q.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
        answer(&q.to_vec().unwrap(), zone).map(|a| Message::from_vec(&a).unwrap())
    }

    #[test]
    fn private_names_answer_a_and_addresses_ptr() {
        let z = zone(true);
        let a = ask(
            &z,
            "IP-10-0-1-5.ap-northeast-1.compute.internal.",
            RecordType::A,
        )
        .unwrap();
        assert_eq!(a.id(), 7);
        assert_eq!(a.response_code(), ResponseCode::NoError);
        assert_eq!(
            a.answers()[0].data(),
            &RData::A(A(Ipv4Addr::new(10, 0, 1, 5)))
        );
        let ptr = ask(&z, "6.1.0.10.in-addr.arpa.", RecordType::PTR).unwrap();
        let target = Name::from_ascii("ip-10-0-1-6.ap-northeast-1.compute.internal.").unwrap();
        assert_eq!(ptr.answers()[0].data(), &RData::PTR(PTR(target)));
        let aaaa = ask(
            &z,
            "ip-10-0-1-5.ap-northeast-1.compute.internal.",
            RecordType::AAAA,
        )
        .unwrap();
        assert_eq!(aaaa.response_code(), ResponseCode::NoError);
        assert!(aaaa.answers().is_empty());
    }

    #[test]
    fn unknown_names_get_nxdomain_inside_the_zone_and_servfail_outside() {
        let z = zone(true);
        let missing = ask(
            &z,
            "ip-10-0-1-9.ap-northeast-1.compute.internal.",
            RecordType::A,
        )
        .unwrap();
        assert_eq!(missing.response_code(), ResponseCode::NXDomain);
        let outside = ask(&z, "example.com.", RecordType::A).unwrap();
        assert_eq!(outside.response_code(), ResponseCode::ServFail);
        let other_vpc = ask(&z, "9.9.9.10.in-addr.arpa.", RecordType::PTR).unwrap();
        assert_eq!(other_vpc.response_code(), ResponseCode::ServFail);
    }

    #[test]
    fn interface_endpoints_private_names_answer_their_interfaces() {
        let mut z = zone(true);
        z.add_service(
            "sts.ap-northeast-1.amazonaws.com",
            Ipv4Addr::new(10, 0, 1, 51),
        );
        z.add_service(
            "sts.ap-northeast-1.amazonaws.com",
            Ipv4Addr::new(10, 0, 2, 51),
        );
        z.add_service(
            "*.s3.ap-northeast-1.amazonaws.com",
            Ipv4Addr::new(10, 0, 1, 52),
        );
        let sts = ask(&z, "sts.ap-northeast-1.amazonaws.com.", RecordType::A).unwrap();
        assert_eq!(sts.answers().len(), 2);
        let bucket = ask(
            &z,
            "my-bucket.s3.ap-northeast-1.amazonaws.com.",
            RecordType::A,
        )
        .unwrap();
        assert_eq!(
            bucket.answers()[0].data(),
            &RData::A(A(Ipv4Addr::new(10, 0, 1, 52)))
        );
        let other = ask(&z, "ec2.ap-northeast-1.amazonaws.com.", RecordType::A).unwrap();
        assert_eq!(other.response_code(), ResponseCode::ServFail);
    }

    #[test]
    fn without_dns_support_the_resolver_is_silent() {
        assert!(
            ask(
                &zone(false),
                "ip-10-0-1-5.ap-northeast-1.compute.internal.",
                RecordType::A
            )
            .is_none()
        );
        assert!(answer(b"not dns", &zone(true)).is_none());
    }

    #[test]
    fn it_listens_on_base_plus_two_and_the_link_local_address() {
        let z = zone(true);
        assert!(z.listens_on(Ipv4Addr::new(10, 0, 0, 2)));
        assert!(z.listens_on(LINK_LOCAL_RESOLVER));
        assert!(!z.listens_on(Ipv4Addr::new(10, 0, 1, 1)));
    }
}
