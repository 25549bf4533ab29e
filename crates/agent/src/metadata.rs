//! What the agent knows about the guest's ENIs, as read from instance metadata (`imds.md` §3–4),
//! and the numbering amazon-ec2-net-utils v2.5+ derives from it (`guest-routing.md` §2).

use ipnet::Ipv4Net;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// First routing table id / rule priority of net-utils v2 (`rule_base`).
const RULE_BASE: u32 = 10000;
/// Metric of the primary ENI's default route in `main` (`metric_base`); systemd's default is 1024.
const METRIC_BASE: u32 = 512;

/// A MAC address: IMDS spells it lower-case and colon-separated, the kernel as six bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Mac(pub [u8; 6]);

impl FromStr for Mac {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut bytes = [0u8; 6];
        let mut parts = s.split(':');
        for byte in &mut bytes {
            let part = parts.next().filter(|p| p.len() == 2);
            *byte = part
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("not a MAC address: {s:?}"))?;
        }
        match parts.next() {
            None => Ok(Mac(bytes)),
            Some(_) => Err(format!("not a MAC address: {s:?}")),
        }
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The instance's metadata that decides its guest network configuration.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GuestMetadata {
    /// Top-level `mac`: the ENI at device index 0, which net-utils treats as the primary.
    pub primary_mac: Mac,
    /// Every attached ENI (`network/interfaces/macs/`), in the order IMDS lists them.
    pub interfaces: Vec<InterfaceMetadata>,
}

/// One attached ENI (`network/interfaces/macs/<mac>/`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InterfaceMetadata {
    pub mac: Mac,
    /// `device-number`: the attachment's DeviceIndex.
    pub device_number: u32,
    /// `network-card`: the attachment's NetworkCardIndex; 0 where IMDS has no such key
    /// (single-card instance types), as net-utils and cloud-init read it.
    pub network_card: u32,
    /// `local-ipv4s`, primary first; empty for an IPv6-only ENI.
    pub local_ipv4s: Vec<Ipv4Addr>,
    /// `subnet-ipv4-cidr-block`; `None` for an IPv6-only subnet.
    pub subnet: Option<Ipv4Net>,
    /// `ipv4-prefix`: delegated prefixes, which net-utils also gives source rules.
    pub ipv4_prefixes: Vec<Ipv4Net>,
}

impl InterfaceMetadata {
    /// Routing table id, which is also the priority of the ENI's source rules:
    /// 10000 + 100 × network card + device number (net-utils v2.5+).
    pub fn table(&self) -> u32 {
        RULE_BASE + 100 * self.network_card + self.device_number
    }

    /// Metric of the ENI's default route in `main`: 512 + 100 × network card + device number,
    /// so the primary (512) stays preferred for traffic that has no source address yet.
    pub fn metric(&self) -> u32 {
        METRIC_BASE + 100 * self.network_card + self.device_number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trips_and_rejects_garbage() {
        let mac: Mac = "02:AB:00:00:0c:01".parse().unwrap();
        assert_eq!(mac.0, [0x02, 0xab, 0, 0, 0x0c, 0x01]);
        assert_eq!(mac.to_string(), "02:ab:00:00:0c:01");
        for bad in [
            "",
            "02:ab:00:00:0c",
            "02:ab:00:00:0c:01:02",
            "2:ab:00:00:0c:01",
            "zz:ab:00:00:0c:01",
        ] {
            assert!(bad.parse::<Mac>().is_err(), "{bad}");
        }
    }

    #[test]
    fn numbering_follows_net_utils_v2_5() {
        let eni = |device_number, network_card| InterfaceMetadata {
            mac: Mac([2, 0, 0, 0, 0, 1]),
            device_number,
            network_card,
            local_ipv4s: vec![],
            subnet: None,
            ipv4_prefixes: vec![],
        };
        assert_eq!((eni(0, 0).table(), eni(0, 0).metric()), (10000, 512));
        assert_eq!((eni(1, 0).table(), eni(1, 0).metric()), (10001, 513));
        assert_eq!((eni(1, 1).table(), eni(1, 1).metric()), (10101, 613));
        assert_eq!((eni(2, 3).table(), eni(2, 3).metric()), (10302, 814));
    }
}
