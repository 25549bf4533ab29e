//! Machine images: a small built-in catalogue of common public Linux AMIs (the same IDs in
//! every region), and the generic image shown for any other `ami-` ID an instance was launched
//! from. localvpc boots no disks, so an image is a name, an owner and a few facts — and, for the
//! data plane, which distribution it is ([`ImageFamily`]).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::tags::Tag;

/// The distribution an image boots, which decides how its guest treats extra interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFamily {
    /// Amazon Linux (AMI 2018.03, 2, 2023): its guest network agent (ec2-net-utils) configures
    /// every attached interface at boot and on hot-plug — per-interface routing tables and rules.
    AmazonLinux,
    /// Ubuntu, Debian, CentOS, RHEL: no agent; extra interfaces stay as the guest's own DHCP
    /// client leaves them (the asymmetric-routing trouble of seed 003).
    Other,
}

impl ImageFamily {
    /// Whether the guest runs the network agent at boot (the data plane acts on this).
    pub fn runs_network_agent(self) -> bool {
        self == Self::AmazonLinux
    }
}

/// What DescribeImages says about an image beyond its ID, name and owner.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageDetails {
    pub description: &'static str,
    /// `amazon` or `aws-marketplace` for images those aliases own; none for other publishers.
    pub owner_alias: Option<&'static str>,
    /// `x86_64` or `arm64`.
    pub architecture: &'static str,
    pub public: bool,
    pub platform_details: &'static str,
    pub usage_operation: &'static str,
    pub root_device_name: &'static str,
    pub creation_date: &'static str,
    pub boot_mode: Option<&'static str>,
    pub imds_support: Option<&'static str>,
    pub marketplace_product_code: Option<&'static str>,
    /// The root EBS volume's snapshot, size (GiB) and type; none for generic images.
    pub root_volume: Option<RootVolume>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct RootVolume {
    pub snapshot_id: &'static str,
    pub size_gib: u32,
    pub volume_type: &'static str,
}

/// One image of the built-in catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct CatalogueImage {
    pub id: &'static str,
    pub name: &'static str,
    pub owner_id: &'static str,
    pub family: ImageFamily,
    pub details: ImageDetails,
}

const AMAZON: &str = "137112412989";
const LINUX: ImageDetails = ImageDetails {
    description: "",
    owner_alias: None,
    architecture: "x86_64",
    public: true,
    platform_details: "Linux/UNIX",
    usage_operation: "RunInstances",
    root_device_name: "/dev/xvda",
    creation_date: "",
    boot_mode: None,
    imds_support: None,
    marketplace_product_code: None,
    root_volume: None,
};

const fn volume(
    snapshot_id: &'static str,
    size_gib: u32,
    volume_type: &'static str,
) -> Option<RootVolume> {
    Some(RootVolume {
        snapshot_id,
        size_gib,
        volume_type,
    })
}

/// The catalogue, sorted by ID.
pub static CATALOGUE: [CatalogueImage; 9] = [
    CatalogueImage {
        id: "ami-00ed8f65105999bc9",
        name: "RHEL-9.5.0_HVM-20241211-x86_64-0-Hourly2-GP3",
        owner_id: "309956199498",
        family: ImageFamily::Other,
        details: ImageDetails {
            description: "Provided by Red Hat, Inc.",
            platform_details: "Red Hat Enterprise Linux",
            usage_operation: "RunInstances:0010",
            root_device_name: "/dev/sda1",
            creation_date: "2024-12-11T16:42:31.000Z",
            root_volume: volume("snap-0351b18a49e1405c0", 10, "gp3"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-01438bd78baea2092",
        name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241206",
        owner_id: "099720109477",
        family: ImageFamily::Other,
        details: ImageDetails {
            description: "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-12-06",
            root_device_name: "/dev/sda1",
            creation_date: "2024-12-07T01:33:40.000Z",
            root_volume: volume("snap-0f5178f47fbdeafce", 8, "gp2"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-07bc422c60a28d9b2",
        name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206",
        owner_id: "099720109477",
        family: ImageFamily::Other,
        details: ImageDetails {
            description: "Canonical, Ubuntu, 24.04, amd64 noble image",
            root_device_name: "/dev/sda1",
            creation_date: "2024-12-07T02:10:12.000Z",
            boot_mode: Some("uefi-preferred"),
            imds_support: Some("v2.0"),
            root_volume: volume("snap-0791def42a6e1a400", 8, "gp3"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0af46362c4efc7b4b",
        name: "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64",
        owner_id: AMAZON,
        family: ImageFamily::AmazonLinux,
        details: ImageDetails {
            description: "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1",
            owner_alias: Some("amazon"),
            architecture: "arm64",
            creation_date: "2024-12-11T20:47:44.000Z",
            boot_mode: Some("uefi"),
            imds_support: Some("v2.0"),
            root_volume: volume("snap-0d1d0a33275db11b3", 8, "gp3"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0c60136983d83486f",
        name: "amzn-ami-hvm-2018.03.0.20231218.0-x86_64-gp2",
        owner_id: AMAZON,
        family: ImageFamily::AmazonLinux,
        details: ImageDetails {
            description: "Amazon Linux AMI 2018.03.0.20231218.0 x86_64 HVM gp2",
            owner_alias: Some("amazon"),
            creation_date: "2023-12-19T00:14:58.000Z",
            root_volume: volume("snap-0f0318ad8f64df96d", 8, "gp2"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0cd2ad2d4215f625d",
        name: "debian-12-amd64-20241201-1948",
        owner_id: "136693071363",
        family: ImageFamily::Other,
        details: ImageDetails {
            description: "Debian 12 (20241201-1948)",
            creation_date: "2024-12-01T19:52:08.000Z",
            root_volume: volume("snap-04901676456075d10", 8, "gp2"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0ed25368f801faaf4",
        name: "amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2",
        owner_id: AMAZON,
        family: ImageFamily::AmazonLinux,
        details: ImageDetails {
            description: "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2",
            owner_alias: Some("amazon"),
            creation_date: "2024-12-17T22:05:36.000Z",
            root_volume: volume("snap-01f1acaf8e6ff26f5", 8, "gp2"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0f4a8aa657d4799b8",
        name: "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
        owner_id: AMAZON,
        family: ImageFamily::AmazonLinux,
        details: ImageDetails {
            description: "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1",
            owner_alias: Some("amazon"),
            creation_date: "2024-12-11T20:47:44.000Z",
            boot_mode: Some("uefi-preferred"),
            imds_support: Some("v2.0"),
            root_volume: volume("snap-0fd5911492ed18abd", 8, "gp3"),
            ..LINUX
        },
    },
    CatalogueImage {
        id: "ami-0f9466cc946f3076b",
        name: "CentOS Linux 6 x86_64 HVM EBS ENA 1901_01",
        owner_id: "679593333241",
        family: ImageFamily::Other,
        details: ImageDetails {
            description: "CentOS 6.x x86_64",
            owner_alias: Some("aws-marketplace"),
            root_device_name: "/dev/sda1",
            creation_date: "2019-01-30T23:43:37.000Z",
            marketplace_product_code: Some("6x5jmcajty9edm3f211pqjfn2"),
            root_volume: volume("snap-0f2de876fa7807a2d", 8, "gp2"),
            ..LINUX
        },
    },
];

/// The catalogue image with this ID (RunInstances and the data plane look images up here).
pub fn catalogue_image(id: &str) -> Option<&'static CatalogueImage> {
    CATALOGUE.iter().find(|image| image.id == id)
}

/// What localvpc shows for an image it does not know that an instance was launched from.
const LAUNCHED_BY_ID: ImageDetails = ImageDetails {
    description: "Image launched by ID; not in localvpc's catalogue",
    public: false,
    // The oldest possible date, so `sort_by(Images, &CreationDate)[-1]` picks a catalogue image.
    creation_date: "1970-01-01T00:00:00.000Z",
    ..LINUX
};

/// An image as DescribeImages lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub details: &'static ImageDetails,
}

impl Image {
    pub fn from_catalogue(image: &'static CatalogueImage) -> Self {
        Self {
            id: image.id.to_owned(),
            name: image.name.to_owned(),
            owner_id: image.owner_id.to_owned(),
            details: &image.details,
        }
    }

    /// An ID outside the catalogue that `owner`'s instances were launched from: named by its
    /// ID and owned by the caller, so `Owner=self` finds it.
    pub fn launched_by_id(id: &str, owner: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            owner_id: owner.to_owned(),
            details: &LAUNCHED_BY_ID,
        }
    }

    /// Whether `Owner.N` = `owner` selects this image for `caller` (`self`, an alias such as
    /// `amazon`, or an account ID).
    pub fn owned_by(&self, owner: &str, caller: &str) -> bool {
        match owner {
            "self" => self.owner_id == caller,
            _ if is_account_id(owner) => self.owner_id == owner,
            alias => self.details.owner_alias == Some(alias),
        }
    }

    /// Whether `ExecutableBy.N` = `user` selects this image. `all` means public images; `self`
    /// or an account ID means images shared with that account explicitly, which localvpc has
    /// none of (owners' own images are not "shared" with them).
    pub fn executable_by(&self, user: &str) -> bool {
        user == "all" && self.details.public
    }
}

impl Tagged for Image {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn malformed_user(user: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidUserIdMalformed,
        format!("Invalid user id: \"{user}\""),
    )
}

/// An `Owner.N` value: `self`, an owner alias or a 12-digit account ID.
pub fn check_owner(owner: &str) -> Result<(), Ec2Error> {
    let known = ["self", "amazon", "aws-marketplace", "aws-backup-vault"];
    if known.contains(&owner) || is_account_id(owner) {
        Ok(())
    } else {
        Err(malformed_user(owner))
    }
}

/// An `ExecutableBy.N` value: `all`, `self` or a 12-digit account ID.
pub fn check_executable_by(user: &str) -> Result<(), Ec2Error> {
    if user == "all" || user == "self" || is_account_id(user) {
        Ok(())
    } else {
        Err(malformed_user(user))
    }
}

/// The error for image IDs that name nothing the caller can see, all listed as EC2 does.
pub fn not_found(ids: &[&str]) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidAmiIdNotFound,
        format!("The image id '[{}]' does not exist", ids.join(", ")),
    )
}

fn root_volume<T>(i: &Image, field: fn(&RootVolume) -> T) -> Vec<String>
where
    T: ToString,
{
    opt(i.details.root_volume.as_ref().map(field))
}

pub const FILTERS: &[FilterDef<Image>] = &[
    def("architecture", |i| one(i.details.architecture)),
    def("block-device-mapping.device-name", |i| {
        opt(i
            .details
            .root_volume
            .as_ref()
            .map(|_| i.details.root_device_name))
    }),
    def("block-device-mapping.snapshot-id", |i| {
        root_volume(i, |v| v.snapshot_id)
    }),
    def("block-device-mapping.volume-size", |i| {
        root_volume(i, |v| v.size_gib)
    }),
    def("block-device-mapping.volume-type", |i| {
        root_volume(i, |v| v.volume_type)
    }),
    def("block-device-mapping.delete-on-termination", |i| {
        root_volume(i, |_| true)
    }),
    def("block-device-mapping.encrypted", |i| {
        root_volume(i, |_| false)
    }),
    def("creation-date", |i| one(i.details.creation_date)),
    def("description", |i| one(i.details.description)),
    def("ena-support", |_| one(true)),
    def("hypervisor", |_| one("xen")),
    def("image-id", |i| one(&i.id)),
    def("image-type", |_| one("machine")),
    def("is-public", |i| one(i.details.public)),
    def("name", |i| one(&i.name)),
    def("owner-alias", |i| opt(i.details.owner_alias)),
    def("owner-id", |i| one(&i.owner_id)),
    def("platform-details", |i| one(i.details.platform_details)),
    def("product-code", |i| opt(i.details.marketplace_product_code)),
    def("product-code.type", |i| {
        opt(i.details.marketplace_product_code.map(|_| "marketplace"))
    }),
    def("root-device-name", |i| one(i.details.root_device_name)),
    def("root-device-type", |_| one("ebs")),
    def("state", |_| one("available")),
    def("usage-operation", |i| one(i.details.usage_operation)),
    def("virtualization-type", |_| one("hvm")),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdKind;

    #[test]
    fn catalogue_is_well_formed_sorted_and_unique() {
        let ids: Vec<&str> = CATALOGUE.iter().map(|i| i.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted, "sorted by ID (paging needs it), no duplicates");
        for image in &CATALOGUE {
            assert_eq!(image.id.len(), 21, "{}: ami- + 17 hex", image.id);
            assert!(IdKind::Image.parse(image.id).is_ok(), "{}", image.id);
            assert!(is_account_id(image.owner_id));
            assert!(
                !image.details.description.is_empty()
                    && image.details.creation_date.ends_with(".000Z")
            );
            assert!(image.details.root_volume.is_some());
        }
    }

    #[test]
    fn lookup_and_families() {
        let al2023 = catalogue_image("ami-0f4a8aa657d4799b8").unwrap();
        assert!(al2023.name.starts_with("al2023-ami-"));
        assert!(al2023.family.runs_network_agent());
        let centos = CATALOGUE
            .iter()
            .find(|i| i.details.description == "CentOS 6.x x86_64")
            .unwrap();
        assert_eq!(centos.owner_id, "679593333241");
        assert!(!centos.family.runs_network_agent());
        let amazon: Vec<_> = CATALOGUE.iter().filter(|i| i.owner_id == AMAZON).collect();
        assert!(amazon.iter().all(|i| i.family == ImageFamily::AmazonLinux));
        assert!(
            CATALOGUE
                .iter()
                .filter(|i| i.owner_id != AMAZON)
                .all(|i| i.family == ImageFamily::Other)
        );
        assert!(catalogue_image("ami-0123456789abcdef0").is_none());
    }

    #[test]
    fn owners_aliases_and_executable_by() {
        let al2 = Image::from_catalogue(catalogue_image("ami-0ed25368f801faaf4").unwrap());
        let mine = Image::launched_by_id("ami-12345678", "111122223333");
        assert!(al2.owned_by("amazon", "111122223333"));
        assert!(al2.owned_by(AMAZON, "111122223333"));
        assert!(!al2.owned_by("self", "111122223333"));
        assert!(!al2.owned_by("aws-marketplace", "111122223333"));
        assert!(mine.owned_by("self", "111122223333"));
        assert!(mine.owned_by("111122223333", "111122223333"));
        assert!(!mine.owned_by("amazon", "111122223333"));
        assert!(al2.executable_by("all") && !mine.executable_by("all"));
        assert!(!al2.executable_by("self") && !mine.executable_by("self"));
        assert!(check_owner("self").is_ok() && check_owner("123456789012").is_ok());
        let err = check_owner("all").unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidUserID.Malformed");
        assert_eq!(err.message, "Invalid user id: \"all\"");
        assert!(check_executable_by("all").is_ok());
        assert_eq!(
            check_executable_by("amazon").unwrap_err().code.as_str(),
            "InvalidUserID.Malformed"
        );
    }

    #[test]
    fn not_found_lists_every_id() {
        let err = not_found(&["ami-1", "ami-2"]);
        assert_eq!(err.code.as_str(), "InvalidAMIID.NotFound");
        assert_eq!(err.message, "The image id '[ami-1, ami-2]' does not exist");
    }
}
