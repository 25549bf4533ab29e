//! Regions and availability zones as the real EC2 has them, so that scripts written for a real
//! region (the seeds use `ap-northeast-1a` and `ap-northeast-1c`) run unchanged.

use crate::error::{Ec2Error, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    pub id: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub name: &'static str,
    /// The console's name of the region, which zone groups' long names start with.
    pub long_name: &'static str,
    pub zones: &'static [Zone],
}

macro_rules! regions {
    ($($name:literal ($long:literal) => [$($zone:literal = $id:literal),*];)*) => {
        /// The regions localvpc answers for, each with the zones a new account sees.
        pub const REGIONS: &[Region] = &[$(Region { name: $name, long_name: $long, zones: &[$(Zone { name: $zone, id: $id }),*] }),*];
    };
}

regions! {
    "us-east-1" ("US East (N. Virginia)") => ["us-east-1a" = "use1-az6", "us-east-1b" = "use1-az1", "us-east-1c" = "use1-az2", "us-east-1d" = "use1-az4", "us-east-1e" = "use1-az3", "us-east-1f" = "use1-az5"];
    "us-east-2" ("US East (Ohio)") => ["us-east-2a" = "use2-az1", "us-east-2b" = "use2-az2", "us-east-2c" = "use2-az3"];
    "us-west-1" ("US West (N. California)") => ["us-west-1a" = "usw1-az1", "us-west-1c" = "usw1-az3"];
    "us-west-2" ("US West (Oregon)") => ["us-west-2a" = "usw2-az1", "us-west-2b" = "usw2-az2", "us-west-2c" = "usw2-az3", "us-west-2d" = "usw2-az4"];
    "ca-central-1" ("Canada (Central)") => ["ca-central-1a" = "cac1-az1", "ca-central-1b" = "cac1-az2", "ca-central-1d" = "cac1-az4"];
    "sa-east-1" ("South America (Sao Paulo)") => ["sa-east-1a" = "sae1-az1", "sa-east-1b" = "sae1-az2", "sa-east-1c" = "sae1-az3"];
    "eu-west-1" ("Europe (Ireland)") => ["eu-west-1a" = "euw1-az1", "eu-west-1b" = "euw1-az2", "eu-west-1c" = "euw1-az3"];
    "eu-west-2" ("Europe (London)") => ["eu-west-2a" = "euw2-az2", "eu-west-2b" = "euw2-az3", "eu-west-2c" = "euw2-az1"];
    "eu-west-3" ("Europe (Paris)") => ["eu-west-3a" = "euw3-az1", "eu-west-3b" = "euw3-az2", "eu-west-3c" = "euw3-az3"];
    "eu-central-1" ("Europe (Frankfurt)") => ["eu-central-1a" = "euc1-az2", "eu-central-1b" = "euc1-az3", "eu-central-1c" = "euc1-az1"];
    "eu-north-1" ("Europe (Stockholm)") => ["eu-north-1a" = "eun1-az1", "eu-north-1b" = "eun1-az2", "eu-north-1c" = "eun1-az3"];
    "ap-northeast-1" ("Asia Pacific (Tokyo)") => ["ap-northeast-1a" = "apne1-az4", "ap-northeast-1c" = "apne1-az1", "ap-northeast-1d" = "apne1-az2"];
    "ap-northeast-2" ("Asia Pacific (Seoul)") => ["ap-northeast-2a" = "apne2-az1", "ap-northeast-2b" = "apne2-az2", "ap-northeast-2c" = "apne2-az3", "ap-northeast-2d" = "apne2-az4"];
    "ap-northeast-3" ("Asia Pacific (Osaka)") => ["ap-northeast-3a" = "apne3-az3", "ap-northeast-3b" = "apne3-az1", "ap-northeast-3c" = "apne3-az2"];
    "ap-southeast-1" ("Asia Pacific (Singapore)") => ["ap-southeast-1a" = "apse1-az1", "ap-southeast-1b" = "apse1-az2", "ap-southeast-1c" = "apse1-az3"];
    "ap-southeast-2" ("Asia Pacific (Sydney)") => ["ap-southeast-2a" = "apse2-az1", "ap-southeast-2b" = "apse2-az3", "ap-southeast-2c" = "apse2-az2"];
    "ap-south-1" ("Asia Pacific (Mumbai)") => ["ap-south-1a" = "aps1-az1", "ap-south-1b" = "aps1-az3", "ap-south-1c" = "aps1-az2"];
}

pub const DEFAULT_REGION: &str = "us-east-1";

impl Region {
    /// The zone group every availability zone of the region belongs to (`us-east-1-zg-1`).
    pub fn zone_group(&self) -> String {
        format!("{}-zg-1", self.name)
    }

    /// The zone group's long name (`US East (N. Virginia) 1`).
    pub fn zone_group_long_name(&self) -> String {
        format!("{} 1", self.long_name)
    }

    /// Looks a region up by name; a region EC2 does not have is refused with the list of ours.
    pub fn named(name: &str) -> Result<&'static Region, Ec2Error> {
        REGIONS.iter().find(|r| r.name == name).ok_or_else(|| {
            let known: Vec<&str> = REGIONS.iter().map(|r| r.name).collect();
            Ec2Error::new(
                ErrorCode::AuthFailure,
                format!(
                    "localvpc does not serve region '{name}'. Sign requests for one of: {}",
                    known.join(", ")
                ),
            )
        })
    }

    pub fn zone(&self, name: &str) -> Option<&'static Zone> {
        self.zones.iter().find(|z| z.name == name)
    }

    pub fn zone_by_id(&self, id: &str) -> Option<&'static Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// The zone a caller named, or EC2's error for one this region does not have.
    pub fn require_zone(&self, name: &str) -> Result<&'static Zone, Ec2Error> {
        self.zone(name).ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "Value ({name}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    self.zones.iter().map(|z| z.name).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// Suffix of EC2 private DNS names: `ec2.internal` in us-east-1, else `<region>.compute.internal`.
    pub fn private_dns_suffix(&self) -> String {
        if self.name == "us-east-1" {
            "ec2.internal".into()
        } else {
            format!("{}.compute.internal", self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_zones_exist() {
        let tokyo = Region::named("ap-northeast-1").unwrap();
        assert!(tokyo.zone("ap-northeast-1a").is_some());
        assert!(tokyo.zone("ap-northeast-1c").is_some());
        assert!(tokyo.zone("ap-northeast-1b").is_none());
        assert_eq!(
            Region::named("mars-1").unwrap_err().code,
            ErrorCode::AuthFailure
        );
    }

    #[test]
    fn zone_names_and_ids_unique() {
        for r in REGIONS {
            for z in r.zones {
                assert!(z.name.starts_with(r.name));
                assert_eq!(r.zones.iter().filter(|o| o.id == z.id).count(), 1);
            }
        }
    }
}
